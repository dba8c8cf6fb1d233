package dev.uplink.processor;

import java.util.Objects;
import java.util.Optional;

/**
 * One received queue message, as both consumers (Lambda handler and poller) see it.
 *
 * @param messageId the queue's id for the message (for logs only: idempotency is keyed on the task)
 * @param body the message body, {@code {"task_id":"..."}} when well formed
 * @param receiveCount SQS's {@code ApproximateReceiveCount}: 1 on the first delivery
 * @param messageGroupId the FIFO message group, when the queue is FIFO
 */
public record Delivery(
    String messageId, String body, int receiveCount, Optional<String> messageGroupId) {

  public Delivery {
    Objects.requireNonNull(messageId, "messageId");
    Objects.requireNonNull(messageGroupId, "messageGroupId");
    if (receiveCount < 1) {
      receiveCount = 1; // an absent or garbled attribute counts as a first delivery
    }
  }

  public Delivery(String messageId, String body, int receiveCount) {
    this(messageId, body, receiveCount, Optional.empty());
  }

  /** Parses SQS's {@code ApproximateReceiveCount} attribute; 1 when absent or not a number. */
  public static int receiveCount(String attribute) {
    if (attribute == null) {
      return 1;
    }
    try {
      return Math.max(1, Integer.parseInt(attribute.trim()));
    } catch (NumberFormatException e) {
      return 1;
    }
  }
}
