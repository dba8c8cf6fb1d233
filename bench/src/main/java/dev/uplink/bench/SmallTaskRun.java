package dev.uplink.bench;

import java.util.List;

/**
 * One measured run of the small-task benchmark: tasks (or pushes) per second, each one's latency in
 * milliseconds, and the CPU the processes spent on the {@code items}.
 */
record SmallTaskRun(double perSecond, List<Double> latencies, CpuMeter.Usage cpu, int items) {

  double p(double percentile) {
    return Stats.percentile(latencies, percentile);
  }

  /** CPU milliseconds per item of one process ({@link CpuMeter#INCUSD}, "poller", ...). */
  double cpuMs(String process) {
    return cpu.msPer(process, items);
  }
}
