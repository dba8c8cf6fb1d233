package dev.uplink.core.operations;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * One message received from the dead-letter queue, held invisible to other readers until its hold
 * runs out or it is released or deleted.
 *
 * @param messageId the queue's id of the message; stable while it stays in this queue
 * @param body the message body as sent: {@code {"task_id":"..."}} for a task message
 * @param receiveCount how many times the message has been received, in the work queue and here
 *     together (each look at the dead-letter queue counts too)
 * @param sentAt when the message was first sent (SQS keeps it when it dead-letters a message)
 * @param receipt what the queue needs to release or delete this receipt of the message
 */
public record DeadLetter(
    String messageId, String body, int receiveCount, Instant sentAt, String receipt) {

  public DeadLetter {
    Objects.requireNonNull(messageId, "messageId");
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(sentAt, "sentAt");
    Objects.requireNonNull(receipt, "receipt");
  }

  /** {@code letters} by the time they were sent, then by id: the order operators read them in. */
  static List<DeadLetter> oldestFirst(List<DeadLetter> letters) {
    return letters.stream()
        .sorted(Comparator.comparing(DeadLetter::sentAt).thenComparing(DeadLetter::messageId))
        .toList();
  }
}
