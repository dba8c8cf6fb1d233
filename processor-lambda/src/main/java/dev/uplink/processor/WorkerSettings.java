package dev.uplink.processor;

import dev.uplink.core.config.ProcessingSettings;
import dev.uplink.core.config.UplinkConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * What {@link PushWorker} needs to know about the queue and the processing rules.
 *
 * @param visibilityTimeout the queue's visibility timeout: also the lease a claim takes, and twice
 *     the heartbeat period
 * @param retry backoff, holds, the receive limit and the classification of failures
 * @param keepObjects keep the S3 object after DONE (else it is deleted)
 * @param perHostWorkers at most this many pushes to one target host at once
 * @param progressInterval how often a running push records how many bytes it has pushed
 * @param circuitOpenAfter consecutive failures to reach a host that open its circuit ({@link
 *     HostCircuits})
 */
public record WorkerSettings(
    Duration visibilityTimeout,
    RetryPolicy retry,
    boolean keepObjects,
    int perHostWorkers,
    Duration progressInterval,
    int circuitOpenAfter) {

  /**
   * How often a push records its progress: often enough for a status page, rarely enough that a
   * thousand concurrent pushes stay well inside the table's write capacity.
   */
  public static final Duration DEFAULT_PROGRESS_INTERVAL = Duration.ofSeconds(2);

  public WorkerSettings {
    Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
    Objects.requireNonNull(retry, "retry");
    if (visibilityTimeout.isNegative() || visibilityTimeout.isZero()) {
      throw new IllegalArgumentException("visibilityTimeout must be positive");
    }
    if (perHostWorkers < 1) {
      throw new IllegalArgumentException("perHostWorkers must be at least 1");
    }
    Objects.requireNonNull(progressInterval, "progressInterval");
    if (progressInterval.isNegative() || progressInterval.isZero()) {
      throw new IllegalArgumentException("progressInterval must be positive");
    }
    if (circuitOpenAfter < 1) {
      throw new IllegalArgumentException("circuitOpenAfter must be at least 1");
    }
  }

  /** The settings {@code config} asks for; their defaults are production's. */
  public static WorkerSettings from(UplinkConfig config) {
    ProcessingSettings processing = config.processing();
    return new WorkerSettings(
        config.visibilityTimeout(),
        RetryPolicy.from(config),
        processing.keepObjects(),
        processing.perHostWorkers(),
        DEFAULT_PROGRESS_INTERVAL,
        processing.circuitOpenAfter());
  }

  public WorkerSettings withVisibilityTimeout(Duration timeout) {
    return new WorkerSettings(
        timeout, retry, keepObjects, perHostWorkers, progressInterval, circuitOpenAfter);
  }

  public WorkerSettings withRetry(RetryPolicy policy) {
    return new WorkerSettings(
        visibilityTimeout, policy, keepObjects, perHostWorkers, progressInterval, circuitOpenAfter);
  }

  public WorkerSettings withKeepObjects(boolean keep) {
    return new WorkerSettings(
        visibilityTimeout, retry, keep, perHostWorkers, progressInterval, circuitOpenAfter);
  }

  public WorkerSettings withPerHostWorkers(int perHost) {
    return new WorkerSettings(
        visibilityTimeout, retry, keepObjects, perHost, progressInterval, circuitOpenAfter);
  }

  public WorkerSettings withProgressInterval(Duration interval) {
    return new WorkerSettings(
        visibilityTimeout, retry, keepObjects, perHostWorkers, interval, circuitOpenAfter);
  }

  /** These settings with another circuit breaker. */
  public WorkerSettings withCircuit(int openAfter, Duration maxHold) {
    return new WorkerSettings(
        visibilityTimeout,
        retry.withCircuitMaxHold(maxHold),
        keepObjects,
        perHostWorkers,
        progressInterval,
        openAfter);
  }
}
