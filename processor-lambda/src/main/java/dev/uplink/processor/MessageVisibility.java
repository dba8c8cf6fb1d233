package dev.uplink.processor;

import java.time.Duration;

/**
 * The consumer's hold on one received message: changing its visibility timeout (SQS {@code
 * ChangeMessageVisibility} on its receipt handle), counted from now. The worker's heartbeat uses it
 * to keep a long push's message invisible.
 */
@FunctionalInterface
public interface MessageVisibility {

  /** Does nothing: for callers without a queue (tests, tools). */
  MessageVisibility NONE = timeout -> {};

  /**
   * Makes the message invisible for {@code timeout} from now. Best effort: implementations log
   * failures instead of throwing (a missed heartbeat is not worth failing a push over).
   */
  void change(Duration timeout);
}
