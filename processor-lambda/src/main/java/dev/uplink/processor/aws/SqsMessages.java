package dev.uplink.processor.aws;

import dev.uplink.core.aws.AwsErrors;
import dev.uplink.processor.MessageVisibility;
import dev.uplink.processor.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;

/**
 * What a consumer does to a received message on one queue: change its visibility (the poller
 * deletes in batches, {@code DeleteBatcher}; Lambda deletes what the handler reports done).
 * Failures are logged, never thrown: the worst case is a redelivery, which the claim rule makes
 * harmless.
 */
public final class SqsMessages {

  private static final Logger log = LoggerFactory.getLogger(SqsMessages.class);

  /** The most entries one batch call takes. */
  private static final int BATCH = 10;

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
          describe(e));
      return false;
    }
  }

  /**
   * Sets the visibility of several messages (receipt handle by message id) to {@code timeout} from
   * now, ten to a {@code ChangeMessageVisibilityBatch} call.
   *
   * @return how many changes SQS refused or could not be asked for (each is logged)
   */
  public int changeVisibility(Map<String, String> receiptHandlesByMessageId, Duration timeout) {
    int seconds = seconds(timeout);
    List<Map.Entry<String, String>> all = List.copyOf(receiptHandlesByMessageId.entrySet());
    int failed = 0;
    for (int from = 0; from < all.size(); from += BATCH) {
      List<Map.Entry<String, String>> chunk = all.subList(from, Math.min(all.size(), from + BATCH));
      var entries = new ArrayList<ChangeMessageVisibilityBatchRequestEntry>();
      for (int i = 0; i < chunk.size(); i++) {
        entries.add(
            ChangeMessageVisibilityBatchRequestEntry.builder()
                .id(Integer.toString(i))
                .receiptHandle(chunk.get(i).getValue())
                .visibilityTimeout(seconds)
                .build());
      }
      try {
        var response = sqs.changeMessageVisibilityBatch(r -> r.queueUrl(queueUrl).entries(entries));
        for (var refused : response.failed()) {
          failed++;
          log.warn(
              "Message {}: changing its visibility to {} s was refused: {} {}",
              chunk.get(Integer.parseInt(refused.id())).getKey(),
              seconds,
              refused.code(),
              refused.message());
        }
      } catch (RuntimeException e) {
        failed += chunk.size();
        log.warn(
            "Messages {}: changing their visibility to {} s failed: {}",
            chunk.stream().map(Map.Entry::getKey).toList(),
            seconds,
            describe(e));
      }
    }
    return failed;
  }

  /** What went wrong, in the domain's words when SQS failed ({@link AwsErrors}). */
  private String describe(RuntimeException e) {
    return e instanceof SdkException sdk
        ? AwsErrors.translate("SQS queue " + queueUrl, sdk).getMessage()
        : e.toString();
  }

  /** Rounded up to whole seconds, within what SQS accepts. */
  public static int seconds(Duration timeout) {
    long millis = Math.max(0, timeout.toMillis());
    long seconds = (millis + 999) / 1000;
    return (int) Math.min(seconds, RetryPolicy.MAX_VISIBILITY.toSeconds());
  }
}
