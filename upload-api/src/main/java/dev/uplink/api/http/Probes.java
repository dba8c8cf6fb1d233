package dev.uplink.api.http;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What {@code /readyz} checks and what {@code /metrics} serves, given by whoever starts the API:
 * the local stack checks S3, SQS, DynamoDB and the push target, and serves the processor's
 * counters; the Lambda has neither (its metrics leave as EMF log lines).
 *
 * @param readiness the dependencies that must answer for the process to be ready
 * @param metrics the metrics in Prometheus' text format, when this process keeps them
 * @param checkTimeout how long one check may take before it counts as failed
 */
public record Probes(
    List<ReadinessCheck> readiness, Optional<Supplier<String>> metrics, Duration checkTimeout) {

  public static final Duration DEFAULT_CHECK_TIMEOUT = Duration.ofSeconds(2);

  /** Nothing to check, no metrics. */
  public static final Probes NONE = new Probes(List.of(), Optional.empty(), DEFAULT_CHECK_TIMEOUT);

  public Probes {
    readiness = List.copyOf(readiness);
    Objects.requireNonNull(metrics, "metrics");
    Objects.requireNonNull(checkTimeout, "checkTimeout");
  }

  /**
   * One dependency {@code /readyz} checks.
   *
   * @param name what it is, e.g. {@code s3}, {@code incus:https://incus.example:8443}
   * @param check throws if the dependency does not answer as it should
   */
  public record ReadinessCheck(String name, Check check) {
    public ReadinessCheck {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(check, "check");
    }
  }

  /** A check of one dependency. */
  @FunctionalInterface
  public interface Check {
    void run() throws Exception;
  }
}
