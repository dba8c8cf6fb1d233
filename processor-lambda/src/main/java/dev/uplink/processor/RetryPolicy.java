package dev.uplink.processor;

import dev.uplink.core.config.ConfigException;
import dev.uplink.core.config.UplinkConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.random.RandomGenerator;

/**
 * The retry policy, in one place: how long a failed message waits (exponential backoff with full
 * jitter), how long a message for an unreachable host is held, how many receives the queue allows
 * before it dead-letters a message, and whether a failure is worth trying again ({@link #classify},
 * after {@link FailureClassifier}). Built once from the configuration ({@link #from}) and shared by
 * the worker (so the Lambda handler and the poller), the poller's own receive loop and the tests.
 *
 * @param maxReceiveCount the queue's redrive {@code maxReceiveCount}: on that receive, a transient
 *     failure is final (RETRIES_EXHAUSTED); checked against the queue's redrive policy where the
 *     consumer may read it ({@link #requireSameReceiveLimit})
 * @param maxBackoff the longest a transiently failed message waits (the backoff's cap), and the
 *     first hold of a message for an unreachable host
 * @param circuitMaxHold the longest a message for a host whose circuit is open is put back at a
 *     time ({@link #hold})
 */
public record RetryPolicy(int maxReceiveCount, Duration maxBackoff, Duration circuitMaxHold) {

  /** The longest visibility SQS accepts (12 hours). */
  public static final Duration MAX_VISIBILITY = Duration.ofHours(12);

  /** The shortest backoff: a failure never makes a hot loop. */
  static final Duration BASE_BACKOFF = Duration.ofSeconds(1);

  /** SQS's limit on a received message's total visibility, less a margin for the call itself. */
  private static final Duration LONGEST_HOLD = MAX_VISIBILITY.minusMinutes(1);

  /** The poller's first pause after a failed receive; it doubles up to {@link #MAX_PAUSE}. */
  private static final Duration FIRST_PAUSE = Duration.ofMillis(200);

  private static final Duration MAX_PAUSE = Duration.ofSeconds(20);

  /**
   * How many times the end of an attempt (DONE, FAILED, given back) is written when the task store
   * fails transiently, before the message is left to come back.
   */
  public static final int RECORD_TRIES = 3;

  /** The first pause between those writes; it doubles. */
  private static final Duration FIRST_RECORD_PAUSE = Duration.ofMillis(200);

  public RetryPolicy {
    if (maxReceiveCount < 1) {
      throw new IllegalArgumentException("maxReceiveCount must be at least 1");
    }
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (maxBackoff.isNegative()) {
      throw new IllegalArgumentException("maxBackoff must not be negative");
    }
    Objects.requireNonNull(circuitMaxHold, "circuitMaxHold");
    if (circuitMaxHold.isNegative() || circuitMaxHold.isZero()) {
      throw new IllegalArgumentException("circuitMaxHold must be positive");
    }
  }

  /**
   * The policy {@code config} asks for ({@code UPLINK_MAX_RECEIVE_COUNT}, {@code
   * UPLINK_MAX_BACKOFF}, {@code UPLINK_CIRCUIT_MAX_HOLD}); their defaults are production's.
   */
  public static RetryPolicy from(UplinkConfig config) {
    return new RetryPolicy(
        config.maxReceiveCount(),
        config.processing().maxBackoff(),
        config.processing().circuitMaxHold());
  }

  public RetryPolicy withMaxReceiveCount(int count) {
    return new RetryPolicy(count, maxBackoff, circuitMaxHold);
  }

  public RetryPolicy withMaxBackoff(Duration backoff) {
    return new RetryPolicy(maxReceiveCount, backoff, circuitMaxHold);
  }

  public RetryPolicy withCircuitMaxHold(Duration maxHold) {
    return new RetryPolicy(maxReceiveCount, maxBackoff, maxHold);
  }

  /** Transient or permanent, and the error to record: {@link FailureClassifier#classify}. */
  public FailureClassifier.Failure classify(Throwable failure) {
    return FailureClassifier.classify(failure);
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
  public Duration backoff(int receiveCount, RandomGenerator random) {
    long capSeconds = Math.min(maxBackoff.toSeconds(), MAX_VISIBILITY.toSeconds());
    int exponent = Math.min(Math.max(receiveCount, 1), 30);
    long ceiling = Math.max(1, Math.min(capSeconds, 1L << exponent));
    long base = BASE_BACKOFF.toMillis();
    return Duration.ofMillis(random.nextLong(base, ceiling * base + 1));
  }

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
   * How long the poller pauses after {@code failuresInARow} failed receives (the queue itself
   * failing, not a task): 200 ms, doubling up to 20 s.
   */
  public Duration receivePause(int failuresInARow) {
    int doublings = Math.min(Math.max(failuresInARow, 1) - 1, 10);
    Duration pause = FIRST_PAUSE.multipliedBy(1L << doublings);
    return pause.compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause;
  }

  /**
   * The pause after write {@code attempt} (from 1) of an attempt's end failed transiently: 200 ms,
   * doubling ({@link #RECORD_TRIES} writes at most).
   */
  public Duration recordPause(int attempt) {
    return FIRST_RECORD_PAUSE.multipliedBy(1L << Math.min(Math.max(attempt, 1) - 1, 10));
  }

  /**
   * Checks this policy's receive limit against the queue's redrive policy, read at start: they must
   * agree, or a task would be marked RETRIES_EXHAUSTED while its message still comes back, or be
   * dead-lettered while still PENDING.
   *
   * @param queueMaxReceiveCount the redrive policy's {@code maxReceiveCount}; empty when the queue
   *     has no redrive policy (nothing to check: the worker dead-letters poison itself)
   * @throws ConfigException if they differ
   */
  public void requireSameReceiveLimit(OptionalInt queueMaxReceiveCount, String queue) {
    if (queueMaxReceiveCount.isPresent() && queueMaxReceiveCount.getAsInt() != maxReceiveCount) {
      throw new ConfigException(
          "UPLINK_MAX_RECEIVE_COUNT is %d but the queue %s dead-letters after %d receives (its"
                  .formatted(maxReceiveCount, queue, queueMaxReceiveCount.getAsInt())
              + " redrive policy's maxReceiveCount): make them the same");
    }
  }
}
