package dev.uplink.core.domain.webhooks;

import java.time.Duration;
import java.util.List;

/**
 * The port of the delivery queue: deliveries wait there between attempts (the wait is the message's
 * invisibility), and one that failed its last attempt goes to the queue's dead-letter queue.
 */
public interface WebhookDeliveryQueue {

  /** A delivery taken from the queue, hidden from others until {@link #retryAfter} or done. */
  record Received(WebhookDelivery delivery, int receiveCount, String receipt) {}

  void send(WebhookDelivery delivery);

  /** Up to {@code max} deliveries, waiting at most {@code wait} for the first. */
  List<Received> receive(int max, Duration wait);

  /** Removes a delivery that succeeded or has nowhere to go any more. */
  void done(Received received);

  /** Hides the delivery for {@code delay}, after which it is received again. */
  void retryAfter(Received received, Duration delay);
}
