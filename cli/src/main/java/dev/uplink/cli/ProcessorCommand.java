package dev.uplink.cli;

import dev.uplink.processor.poller.PollerMain;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code uplink processor}: the container-mode consumer ({@link PollerMain}: the SQS poller, the
 * reconciler on its timer, the probes and metrics on {@code UPLINK_METRICS_PORT}) until SIGTERM or
 * Ctrl+C.
 */
@Command(
    name = "processor",
    mixinStandardHelpOptions = true,
    description = {
      "Run the processor as a service until SIGTERM or Ctrl+C: it polls $UPLINK_QUEUE, pushes each"
          + " task's file into Incus ($UPLINK_INCUS_URL: https:// with UPLINK_INCUS_CERT,"
          + " UPLINK_INCUS_KEY and UPLINK_INCUS_SERVER_CERT, or unix:///var/lib/incus/unix.socket on"
          + " the Incus host) and records DONE or FAILED; the reconciler re-queues lost tasks.",
      "Configured like the processor function: UPLINK_TABLE, UPLINK_QUEUE, UPLINK_BUCKET,"
          + " AWS_REGION, the endpoint overrides, the task seal key, UPLINK_WORKERS and every"
          + " UPLINK_* variable of the README's configuration table. With UPLINK_METRICS_PORT it"
          + " serves /metrics, /healthz and /readyz on that port.",
      "On SIGTERM it receives nothing more, lets pushes finish within $UPLINK_SHUTDOWN_GRACE"
          + " seconds (30), gives the rest back to the queue and exits 0.",
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:stopped (SIGTERM or Ctrl+C)",
      "1:could not start",
      "2:an UPLINK_* variable is wrong, or UPLINK_METRICS_PORT cannot be bound"
    })
final class ProcessorCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    return PollerMain.run(UplinkCommand.environmentOf(spec).variables());
  }
}
