package dev.uplink.processor.aws;

import dev.uplink.core.aws.AwsErrors;
import dev.uplink.core.domain.DependencyException;
import dev.uplink.processor.Delivery;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The work queue as the long-running poller uses it: receive, change visibility, delete (in
 * batches), and the redrive policy's receive limit. The poller's only door to SQS: an SDK failure
 * leaves it as a {@link DependencyException}.
 */
public final class SqsWorkQueue implements AutoCloseable {

  private static final String RECEIVE_COUNT = "ApproximateReceiveCount";
  private static final String GROUP_ID = "MessageGroupId";

  /** {@code "maxReceiveCount":5}, or {@code "5"}: SQS and ElasticMQ differ. */
  private static final Pattern MAX_RECEIVE_COUNT =
      Pattern.compile("\"maxReceiveCount\"\\s*:\\s*\"?(\\d+)\"?");

  private final SqsClient sqs;
  private final String queueUrl;
  private final SqsMessages messages;
  private final DeleteBatcher deletes;

  public SqsWorkQueue(SqsClient sqs, String queueUrl) {
    this.sqs = Objects.requireNonNull(sqs, "sqs");
    this.queueUrl = Objects.requireNonNull(queueUrl, "queueUrl");
    this.messages = new SqsMessages(sqs, queueUrl);
    this.deletes = new DeleteBatcher(sqs, queueUrl);
  }

  public String url() {
    return queueUrl;
  }

  /** Visibility changes, one by one or in batches; failures are logged, never thrown. */
  public SqsMessages messages() {
    return messages;
  }

  /**
   * Up to {@code max} messages, waiting up to {@code wait} for the first (long polling), each
   * invisible to other consumers for {@code visibility}.
   *
   * @throws DependencyException if SQS failed
   */
  public List<ReceivedMessage> receive(int max, Duration wait, Duration visibility) {
    try {
      return sqs
          .receiveMessage(
              r ->
                  r.queueUrl(queueUrl)
                      .maxNumberOfMessages(max)
                      .waitTimeSeconds((int) wait.toSeconds())
                      .visibilityTimeout(SqsMessages.seconds(visibility))
                      .messageSystemAttributeNamesWithStrings(RECEIVE_COUNT, GROUP_ID)
                      .attributeNamesWithStrings(RECEIVE_COUNT, GROUP_ID))
          .messages()
          .stream()
          .map(SqsWorkQueue::received)
          .toList();
    } catch (SdkException e) {
      throw AwsErrors.translate("SQS queue " + queueUrl, e);
    }
  }

  /** Deletes the message soon, batched with others ({@link DeleteBatcher}). */
  public void delete(String messageId, String receiptHandle) {
    deletes.delete(messageId, receiptHandle);
  }

  /**
   * The {@code maxReceiveCount} of the queue's redrive policy; empty when it has none.
   *
   * @throws DependencyException if SQS failed
   */
  public OptionalInt redriveMaxReceiveCount() {
    Map<String, String> attributes;
    try {
      attributes =
          sqs.getQueueAttributes(
                  r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.REDRIVE_POLICY))
              .attributesAsStrings();
    } catch (SdkException e) {
      throw AwsErrors.translate("SQS queue " + queueUrl, e);
    }
    String policy = attributes.get(QueueAttributeName.REDRIVE_POLICY.toString());
    if (policy == null) {
      return OptionalInt.empty();
    }
    Matcher m = MAX_RECEIVE_COUNT.matcher(policy);
    return m.find() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
  }

  /** Sends the deletes still pending. */
  @Override
  public void close() {
    deletes.close();
  }

  private static ReceivedMessage received(Message message) {
    var delivery =
        new Delivery(
            message.messageId(),
            message.body(),
            Delivery.receiveCount(attribute(message, RECEIVE_COUNT)),
            Optional.ofNullable(attribute(message, GROUP_ID)));
    return new ReceivedMessage(delivery, message.receiptHandle());
  }

  private static String attribute(Message message, String name) {
    return message.hasAttributes() ? message.attributesAsStrings().get(name) : null;
  }
}
