package dev.uplink.processor;

import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * What a consumer does to a received message on one queue: change its visibility (the poller
 * deletes in batches, {@code DeleteBatcher}; Lambda deletes what the handler reports done).
 * Failures are logged, never thrown: the worst case is a redelivery, which the claim rule makes
 * harmless.
 */
public final class SqsMessages {

  private static final Logger log = LoggerFactory.getLogger(SqsMessages.class);

  private final SqsClient sqs;
  private final String queueUrl;

  public SqsMessages(SqsClient sqs, String queueUrl) {
    this.sqs = Objects.requireNonNull(sqs, "sqs");
    this.queueUrl = Objects.requireNonNull(queueUrl, "queueUrl");
  }

  public String queueUrl() {
    return queueUrl;
  }

  /** The message's visibility, for the worker's heartbeat. */
  public MessageVisibility visibility(String messageId, String receiptHandle) {
    return timeout -> changeVisibility(messageId, receiptHandle, timeout);
  }

  /** Sets the message's visibility timeout to {@code timeout} from now (whole seconds, 0-12 h). */
  public boolean changeVisibility(String messageId, String receiptHandle, Duration timeout) {
    int seconds = seconds(timeout);
    try {
      sqs.changeMessageVisibility(
          r -> r.queueUrl(queueUrl).receiptHandle(receiptHandle).visibilityTimeout(seconds));
      return true;
    } catch (RuntimeException e) {
      log.warn(
          "Message {}: changing its visibility to {} s failed: {}",
          messageId,
          seconds,
          e.toString());
      return false;
    }
  }

  /** Rounded up to whole seconds, within what SQS accepts. */
  public static int seconds(Duration timeout) {
    long millis = Math.max(0, timeout.toMillis());
    long seconds = (millis + 999) / 1000;
    return (int) Math.min(seconds, WorkerSettings.MAX_VISIBILITY.toSeconds());
  }
}
