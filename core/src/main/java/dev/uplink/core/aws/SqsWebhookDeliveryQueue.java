package dev.uplink.core.aws;

import dev.uplink.core.domain.webhooks.WebhookDelivery;
import dev.uplink.core.domain.webhooks.WebhookDeliveryQueue;
import dev.uplink.core.json.WebhookDeliveryMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * The webhook delivery queue on SQS: a standard queue (no FIFO: one failing receiver must not hold
 * up the deliveries behind it), whose RedrivePolicy moves a delivery to its dead-letter queue after
 * the last attempt. A message that is no delivery is logged and removed.
 */
public final class SqsWebhookDeliveryQueue implements WebhookDeliveryQueue {

  private static final Logger log = LoggerFactory.getLogger(SqsWebhookDeliveryQueue.class);

  /** SQS's longest visibility timeout. */
  private static final long MAX_HIDE_SECONDS = 43_200;

  private final SqsClient sqs;
  private final String queueUrl;
  private final String dependency;

  public SqsWebhookDeliveryQueue(SqsClient sqs, String queueUrl) {
    this.sqs = Objects.requireNonNull(sqs, "sqs");
    this.queueUrl = Objects.requireNonNull(queueUrl, "queueUrl");
    this.dependency = "SQS queue " + queueUrl;
  }

  /** The queue named {@code name}, looked up. */
  public static SqsWebhookDeliveryQueue named(SqsClient sqs, String name) {
    String url =
        AwsErrors.translated(
            "SQS queue " + name, () -> sqs.getQueueUrl(r -> r.queueName(name)).queueUrl());
    return new SqsWebhookDeliveryQueue(sqs, url);
  }

  @Override
  public void send(WebhookDelivery delivery) {
    String body = WebhookDeliveryMessage.bodyFor(delivery);
    AwsErrors.translated(
        dependency, () -> sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(body)));
  }

  @Override
  public List<Received> receive(int max, Duration wait) {
    List<Message> messages =
        AwsErrors.translated(
            dependency,
            () ->
                sqs.receiveMessage(
                        r ->
                            r.queueUrl(queueUrl)
                                .maxNumberOfMessages(max)
                                .waitTimeSeconds((int) Math.min(20, wait.toSeconds()))
                                .messageSystemAttributeNames(
                                    MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))
                    .messages());
    var received = new ArrayList<Received>();
    for (Message message : messages) {
      Optional<WebhookDelivery> delivery = WebhookDeliveryMessage.parse(message.body());
      if (delivery.isEmpty()) {
        log.warn("Removing message {}: not a webhook delivery", message.messageId());
        delete(message.receiptHandle());
        continue;
      }
      String count = message.attributes().get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT);
      received.add(
          new Received(
              delivery.get(),
              count == null ? 1 : Integer.parseInt(count),
              message.receiptHandle()));
    }
    return received;
  }

  @Override
  public void done(Received received) {
    delete(received.receipt());
  }

  @Override
  public void retryAfter(Received received, Duration delay) {
    int seconds = (int) Math.max(0, Math.min(MAX_HIDE_SECONDS, delay.toSeconds()));
    AwsErrors.translated(
        dependency,
        () ->
            sqs.changeMessageVisibility(
                r ->
                    r.queueUrl(queueUrl)
                        .receiptHandle(received.receipt())
                        .visibilityTimeout(seconds)));
  }

  private void delete(String receipt) {
    AwsErrors.translated(
        dependency, () -> sqs.deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(receipt)));
  }
}
