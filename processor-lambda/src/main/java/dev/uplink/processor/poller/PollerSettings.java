package dev.uplink.processor.poller;

import java.time.Duration;
import java.util.Objects;

/**
 * How an {@link SqsPoller} runs.
 *
 * @param workers messages processed at once (the global cap)
 * @param visibilityTimeout the visibility each receive asks for
 * @param waitTime how long one receive waits for messages (long polling; 0 to 20 s)
 * @param shutdownGrace how long {@link SqsPoller#close()} lets pushes in flight finish
 * @param fifo whether the queue is FIFO (one message per group at a time, in order)
 */
public record PollerSettings(
    int workers,
    Duration visibilityTimeout,
    Duration waitTime,
    Duration shutdownGrace,
    boolean fifo) {

  public PollerSettings {
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be at least 1, got " + workers);
    }
    Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
    if (waitTime.isNegative() || waitTime.compareTo(SqsPoller.MAX_WAIT) > 0) {
      throw new IllegalArgumentException("waitTime must be 0 to 20 seconds, got " + waitTime);
    }
    if (shutdownGrace.isNegative()) {
      throw new IllegalArgumentException("shutdownGrace must not be negative");
    }
  }
}
