package dev.uplink.processor.aws;

import dev.uplink.processor.Delivery;
import java.util.Objects;

/**
 * A message the poller received: what the worker is given ({@link Delivery}) and the receipt handle
 * that changes its visibility or deletes it.
 */
public record ReceivedMessage(Delivery delivery, String receiptHandle) {

  public ReceivedMessage {
    Objects.requireNonNull(delivery, "delivery");
    Objects.requireNonNull(receiptHandle, "receiptHandle");
  }

  public String messageId() {
    return delivery.messageId();
  }
}
