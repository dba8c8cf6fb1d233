package dev.uplink.api.http;

import dev.uplink.core.health.MetricsSource;
import dev.uplink.core.health.Readiness;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code /readyz} checks and what {@code /metrics} serves, given by whoever starts the API:
 * the local stack checks S3, SQS, DynamoDB and the push target, and serves the processor's
 * counters; the Lambda has neither (its metrics leave as EMF log lines).
 *
 * @param readiness the dependencies that must answer for the process to be ready
 * @param metrics the meters, when this process keeps them
 */
public record Probes(Readiness readiness, Optional<MetricsSource> metrics) {

  /** Nothing to check, no metrics. */
  public static final Probes NONE = new Probes(Readiness.NONE, Optional.empty());

  public Probes {
    Objects.requireNonNull(readiness, "readiness");
    Objects.requireNonNull(metrics, "metrics");
  }
}
