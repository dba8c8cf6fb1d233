package dev.uplink.processor.poller;

import dev.uplink.core.domain.DependencyException;
import dev.uplink.processor.RetryPolicy;
import dev.uplink.processor.aws.SqsWorkQueue;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At the poller's start: the queue's redrive policy must dead-letter on the receive the {@link
 * RetryPolicy} expects ({@link RetryPolicy#requireSameReceiveLimit}). A policy that cannot be read
 * only warns: the queue may answer later, and the worker copes with a mismatch (poison is hidden,
 * never spun on).
 */
final class ReceiveLimitCheck {

  private static final Logger log = LoggerFactory.getLogger(SqsPoller.class);

  private ReceiveLimitCheck() {}

  /**
   * @throws dev.uplink.core.config.ConfigException if the limits differ
   */
  static void run(SqsWorkQueue queue, RetryPolicy retry) {
    String queueUrl = queue.url();
    OptionalInt queueLimit;
    try {
      queueLimit = queue.redriveMaxReceiveCount();
    } catch (DependencyException e) {
      log.warn(
          "Could not read the redrive policy of {} to check UPLINK_MAX_RECEIVE_COUNT ({})"
              + " against it: {}",
          queueUrl,
          retry.maxReceiveCount(),
          e.getMessage());
      return;
    }
    if (queueLimit.isEmpty()) {
      log.warn(
          "The queue {} has no redrive policy: nothing dead-letters its messages; poison is hidden"
              + " for {} at a time",
          queueUrl,
          retry.maxBackoff());
    }
    retry.requireSameReceiveLimit(queueLimit, queueUrl);
  }
}
