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
 * @param maxReceiveCount the queue's redrive {@code maxReceiveCount}: on that receive, a transient
 *     failure is final (RETRIES_EXHAUSTED)
 * @param maxBackoff the longest a transiently failed message waits
 * @param keepObjects keep the S3 object after DONE (else it is deleted)
 * @param perHostWorkers at most this many pushes to one target host at once
 * @param progressInterval how often a running push records how many bytes it has pushed
 * @param circuitOpenAfter consecutive failures to reach a host that open its circuit ({@link
 *     HostCircuits})
 * @param circuitMaxHold the longest a message for a host whose circuit is open is put back at a
 *     time ({@link #hold})
 */
public record WorkerSettings(
    Duration visibilityTimeout,
    int maxReceiveCount,
    Duration maxBackoff,
    boolean keepObjects,
    int perHostWorkers,
    Duration progressInterval,
    int circuitOpenAfter,
    Duration circuitMaxHold) {

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
    if (circuitOpenAfter < 1) {
      throw new IllegalArgumentException("circuitOpenAfter must be at least 1");
    }
    Objects.requireNonNull(circuitMaxHold, "circuitMaxHold");
    if (circuitMaxHold.isNegative() || circuitMaxHold.isZero()) {
      throw new IllegalArgumentException("circuitMaxHold must be positive");
    }
  }

  /** Settings with the default circuit breaker (3 failures, holds up to 30 minutes). */
  public WorkerSettings(
      Duration visibilityTimeout,
      int maxReceiveCount,
      Duration maxBackoff,
      boolean keepObjects,
      int perHostWorkers,
      Duration progressInterval) {
    this(
        visibilityTimeout,
        maxReceiveCount,
        maxBackoff,
        keepObjects,
        perHostWorkers,
        progressInterval,
        ProcessingSettings.DEFAULT_CIRCUIT_OPEN_AFTER,
        ProcessingSettings.DEFAULT_CIRCUIT_MAX_HOLD);
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
    ProcessingSettings processing = config.processing();
    return new WorkerSettings(
        config.visibilityTimeout(),
        config.maxReceiveCount(),
        processing.maxBackoff(),
        processing.keepObjects(),
        processing.perHostWorkers(),
        DEFAULT_PROGRESS_INTERVAL,
        processing.circuitOpenAfter(),
        processing.circuitMaxHold());
  }

  public WorkerSettings withVisibilityTimeout(Duration timeout) {
    return new WorkerSettings(
        timeout,
        maxReceiveCount,
        maxBackoff,
        keepObjects,
        perHostWorkers,
        progressInterval,
        circuitOpenAfter,
        circuitMaxHold);
  }

  public WorkerSettings withMaxReceiveCount(int count) {
    return new WorkerSettings(
        visibilityTimeout,
        count,
        maxBackoff,
        keepObjects,
        perHostWorkers,
        progressInterval,
        circuitOpenAfter,
        circuitMaxHold);
  }

  public WorkerSettings withMaxBackoff(Duration backoff) {
    return new WorkerSettings(
        visibilityTimeout,
        maxReceiveCount,
        backoff,
        keepObjects,
        perHostWorkers,
        progressInterval,
        circuitOpenAfter,
        circuitMaxHold);
  }

  public WorkerSettings withKeepObjects(boolean keep) {
    return new WorkerSettings(
        visibilityTimeout,
        maxReceiveCount,
        maxBackoff,
        keep,
        perHostWorkers,
        progressInterval,
        circuitOpenAfter,
        circuitMaxHold);
  }

  public WorkerSettings withPerHostWorkers(int perHost) {
    return new WorkerSettings(
        visibilityTimeout,
        maxReceiveCount,
        maxBackoff,
        keepObjects,
        perHost,
        progressInterval,
        circuitOpenAfter,
        circuitMaxHold);
  }

  public WorkerSettings withProgressInterval(Duration interval) {
    return new WorkerSettings(
        visibilityTimeout,
        maxReceiveCount,
        maxBackoff,
        keepObjects,
        perHostWorkers,
        interval,
        circuitOpenAfter,
        circuitMaxHold);
  }

  /** These settings with another circuit breaker. */
  public WorkerSettings withCircuit(int openAfter, Duration maxHold) {
    return new WorkerSettings(
        visibilityTimeout,
        maxReceiveCount,
        maxBackoff,
        keepObjects,
        perHostWorkers,
        progressInterval,
        openAfter,
        maxHold);
  }

  /** Whether {@code receiveCount} is the last receive before SQS dead-letters the message. */
  public boolean isLastReceive(int receiveCount) {
    return receiveCount >= maxReceiveCount;
  }

  /** SQS's limit on a received message's total visibility, less a margin for the call itself. */
  private static final Duration LONGEST_HOLD = MAX_VISIBILITY.minusMinutes(1);

  /**
   * How long a message for a host whose circuit is open is put back, unclaimed, on receive {@code
   * receiveCount}: {@code maxBackoff × 2^(receiveCount - 1)}, at most {@code circuitMaxHold} and at
   * most 12 hours (SQS's limit for a received message) less a minute; at least 1 second. Holds grow
   * with the receive count because each costs one of the queue's {@code maxReceiveCount} receives:
   * the fewer left, the longer each must last.
   */
  public Duration hold(int receiveCount) {
    int exponent = Math.min(Math.max(receiveCount, 1) - 1, 30);
    long seconds;
    try {
      seconds = Math.multiplyExact(Math.max(1, maxBackoff.toSeconds()), 1L << exponent);
    } catch (ArithmeticException e) {
      seconds = Long.MAX_VALUE;
    }
    long cap = Math.min(circuitMaxHold.toSeconds(), LONGEST_HOLD.toSeconds());
    return Duration.ofSeconds(Math.max(1, Math.min(seconds, cap)));
  }

  /**
   * The longest outage of a host a task survives without failing, counted from its message's first
   * receive: the holds of every receive but the last ({@link #hold}), on which the push is tried
   * whatever the circuit says. 65 minutes with the defaults (300 s backoff, 5 receives, 30 minutes'
   * hold): 300 + 600 + 1200 + 1800 s.
   */
  public Duration survivableOutage() {
    Duration total = Duration.ZERO;
    for (int receive = 1; receive < maxReceiveCount; receive++) {
      total = total.plus(hold(receive));
    }
    return total;
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
