package dev.uplink.processor;

import dev.uplink.core.config.UplinkConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * What {@link PushWorker} needs to know about the queue and the processing rules.
 *
 * @param visibilityTimeout the queue's visibility timeout: also the lease a claim takes, and twice
 *     the heartbeat period
 * @param maxReceiveCount the queue's redrive {@code maxReceiveCount}: on that receive, a transient
 *     failure is final (RETRIES_EXHAUSTED)
 * @param maxBackoff the longest a transiently failed message waits
 * @param keepObjects keep the S3 object after DONE (else it is deleted)
 * @param perHostWorkers at most this many pushes to one target host at once
 * @param progressInterval how often a running push records how many bytes it has pushed
 */
public record WorkerSettings(
    Duration visibilityTimeout,
    int maxReceiveCount,
    Duration maxBackoff,
    boolean keepObjects,
    int perHostWorkers,
    Duration progressInterval) {

  /** The longest visibility SQS accepts (12 hours). */
  public static final Duration MAX_VISIBILITY = Duration.ofHours(12);

  /**
   * How often a push records its progress unless told otherwise: often enough for a status page,
   * rarely enough that a thousand concurrent pushes stay well inside the table's write capacity.
   */
  public static final Duration DEFAULT_PROGRESS_INTERVAL = Duration.ofSeconds(2);

  public WorkerSettings {
    Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (visibilityTimeout.isNegative() || visibilityTimeout.isZero()) {
      throw new IllegalArgumentException("visibilityTimeout must be positive");
    }
    if (maxReceiveCount < 1) {
      throw new IllegalArgumentException("maxReceiveCount must be at least 1");
    }
    if (maxBackoff.isNegative()) {
      throw new IllegalArgumentException("maxBackoff must not be negative");
    }
    if (perHostWorkers < 1) {
      throw new IllegalArgumentException("perHostWorkers must be at least 1");
    }
    Objects.requireNonNull(progressInterval, "progressInterval");
    if (progressInterval.isNegative() || progressInterval.isZero()) {
      throw new IllegalArgumentException("progressInterval must be positive");
    }
  }

  /** Settings that record progress every {@link #DEFAULT_PROGRESS_INTERVAL}. */
  public WorkerSettings(
      Duration visibilityTimeout,
      int maxReceiveCount,
      Duration maxBackoff,
      boolean keepObjects,
      int perHostWorkers) {
    this(
        visibilityTimeout,
        maxReceiveCount,
        maxBackoff,
        keepObjects,
        perHostWorkers,
        DEFAULT_PROGRESS_INTERVAL);
  }

  /**
   * Defaults for tests and tools: 5 minutes visibility, 5 receives, 15 minutes backoff cap,
   * progress every 2 seconds.
   */
  public static WorkerSettings defaults() {
    return new WorkerSettings(Duration.ofMinutes(5), 5, Duration.ofMinutes(15), false, 8);
  }

  public static WorkerSettings from(UplinkConfig config) {
    return new WorkerSettings(
        config.visibilityTimeout(),
        config.maxReceiveCount(),
        config.processing().maxBackoff(),
        config.processing().keepObjects(),
        config.processing().perHostWorkers());
  }

  public WorkerSettings withVisibilityTimeout(Duration timeout) {
    return new WorkerSettings(
        timeout, maxReceiveCount, maxBackoff, keepObjects, perHostWorkers, progressInterval);
  }

  public WorkerSettings withMaxReceiveCount(int count) {
    return new WorkerSettings(
        visibilityTimeout, count, maxBackoff, keepObjects, perHostWorkers, progressInterval);
  }

  public WorkerSettings withMaxBackoff(Duration backoff) {
    return new WorkerSettings(
        visibilityTimeout, maxReceiveCount, backoff, keepObjects, perHostWorkers, progressInterval);
  }

  public WorkerSettings withKeepObjects(boolean keep) {
    return new WorkerSettings(
        visibilityTimeout, maxReceiveCount, maxBackoff, keep, perHostWorkers, progressInterval);
  }

  public WorkerSettings withPerHostWorkers(int perHost) {
    return new WorkerSettings(
        visibilityTimeout, maxReceiveCount, maxBackoff, keepObjects, perHost, progressInterval);
  }

  public WorkerSettings withProgressInterval(Duration interval) {
    return new WorkerSettings(
        visibilityTimeout, maxReceiveCount, maxBackoff, keepObjects, perHostWorkers, interval);
  }

  /** Whether {@code receiveCount} is the last receive before SQS dead-letters the message. */
  public boolean isLastReceive(int receiveCount) {
    return receiveCount >= maxReceiveCount;
  }

  /**
   * The visibility after a transient failure on receive {@code receiveCount}: exponential backoff
   * with full jitter, a uniformly random duration between 1 second and {@code min(maxBackoff,
   * 2^receiveCount seconds)} (at least 1 second, so a failure never makes a hot loop).
   */
  public Duration backoff(int receiveCount, java.util.random.RandomGenerator random) {
    long capSeconds = Math.min(maxBackoff.toSeconds(), MAX_VISIBILITY.toSeconds());
    int exponent = Math.min(Math.max(receiveCount, 1), 30);
    long ceiling = Math.max(1, Math.min(capSeconds, 1L << exponent));
    long millis = random.nextLong(1000, ceiling * 1000 + 1);
    return Duration.ofMillis(millis);
  }
}
