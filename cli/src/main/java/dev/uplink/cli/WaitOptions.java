package dev.uplink.cli;

import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code --wait} and {@code --timeout}, for commands that may follow a task until it finishes. */
public final class WaitOptions {

  @Spec(Spec.Target.MIXEE)
  private CommandSpec command;

  @Option(
      names = "--wait",
      description =
          "Wait until the task is DONE, FAILED or CANCELLED (long-polling the API); exit 1 unless"
              + " DONE.")
  private boolean wait;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      description = "With --wait: give up (exit 1) after this many seconds (default: no limit).")
  private Long timeoutSeconds;

  public boolean enabled() {
    return wait;
  }

  /**
   * The timeout, if one was given.
   *
   * @throws ParameterException (exit 2) if it is not positive
   */
  public Optional<Duration> timeout() {
    if (timeoutSeconds != null && timeoutSeconds <= 0) {
      throw new ParameterException(
          command.commandLine(), "--timeout must be a positive number of seconds");
    }
    return Optional.ofNullable(timeoutSeconds).map(Duration::ofSeconds);
  }
}
