package dev.uplink.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * CPU time (user + system, from {@code /proc/PID/stat}) that named processes spend between {@link
 * #start} and {@link #stop}: on a 2-core machine shared by the API, the poller, the emulators and
 * incusd, it tells which of them a throughput is bound by.
 */
final class CpuMeter {

  /** Linux reports {@code utime} and {@code stime} in clock ticks of 1/100 s. */
  private static final double TICKS_PER_SECOND = 100;

  private final Map<String, Long> pids = new LinkedHashMap<>();
  private final Map<String, Long> before = new LinkedHashMap<>();
  private long startedNanos;

  /** Adds a process; one that does not exist (any more) counts as zero. */
  CpuMeter process(String name, long pid) {
    pids.put(name, pid);
    return this;
  }

  /** Adds incusd, if it runs here. */
  CpuMeter incusd() {
    try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
      all.filter(p -> p.info().command().orElse("").endsWith("/incusd"))
          .findFirst()
          .ifPresent(p -> pids.put("incusd", p.pid()));
    }
    return this;
  }

  CpuMeter start() {
    pids.forEach((name, pid) -> before.put(name, ticks(pid).orElse(0L)));
    startedNanos = System.nanoTime();
    return this;
  }

  /** What each process spent since {@link #start}, in CPU seconds, and the wall time. */
  Usage stop() {
    double wall = (System.nanoTime() - startedNanos) / 1e9;
    Map<String, Double> seconds = new LinkedHashMap<>();
    pids.forEach(
        (name, pid) ->
            seconds.put(
                name, (ticks(pid).orElse(0L) - before.getOrDefault(name, 0L)) / TICKS_PER_SECOND));
    return new Usage(wall, seconds);
  }

  /**
   * CPU seconds per process over {@code wallSeconds}.
   *
   * @param wallSeconds the wall time measured
   * @param cpuSeconds CPU seconds spent by each process in that time
   */
  record Usage(double wallSeconds, Map<String, Double> cpuSeconds) {

    /** {@code name 1.2 s, ...; all N% of the machine}, and per item in ms if {@code items > 0}. */
    String describe(int items) {
      var parts = new StringBuilder();
      double total = 0;
      for (var e : cpuSeconds.entrySet()) {
        total += e.getValue();
        if (parts.length() > 0) {
          parts.append(", ");
        }
        parts.append(e.getKey()).append(' ').append(Stats.f1(e.getValue())).append(" s");
        if (items > 0) {
          parts.append(" (").append(Stats.f1(e.getValue() * 1000 / items)).append(" ms/task)");
        }
      }
      int cores = Runtime.getRuntime().availableProcessors();
      return parts
          + "; together "
          + Stats.f0(100 * total / (wallSeconds * cores))
          + "% of "
          + cores
          + " cores over "
          + Stats.f1(wallSeconds)
          + " s";
    }
  }

  private static Optional<Long> ticks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Optional.of(Long.parseLong(f[11]) + Long.parseLong(f[12]));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
