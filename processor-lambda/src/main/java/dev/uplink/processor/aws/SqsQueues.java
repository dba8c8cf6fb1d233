package dev.uplink.processor.aws;

import dev.uplink.core.aws.AwsErrors;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The queues a Lambda's records come from, by their {@code eventSourceArn} ({@code
 * arn:aws:sqs:REGION:ACCOUNT:NAME}), each URL looked up once ({@code GetQueueUrl}); the configured
 * work queue when a record names none.
 */
public final class SqsQueues {

  private final SqsClient sqs;
  private final Supplier<String> configuredQueueUrl;
  private final Map<String, SqsMessages> byArn = new ConcurrentHashMap<>();
  private volatile SqsMessages configured;

  /**
   * @param configuredQueueUrl the work queue's URL, looked up (by name) only when first needed
   */
  public SqsQueues(SqsClient sqs, Supplier<String> configuredQueueUrl) {
    this.sqs = Objects.requireNonNull(sqs, "sqs");
    this.configuredQueueUrl = Objects.requireNonNull(configuredQueueUrl, "configuredQueueUrl");
  }

  /**
   * The queue named by {@code eventSourceArn}.
   *
   * @throws dev.uplink.core.domain.DependencyException if SQS could not say its URL
   */
  public SqsMessages byEventSourceArn(String eventSourceArn) {
    if (eventSourceArn == null || eventSourceArn.isBlank()) {
      return configured();
    }
    return byArn.computeIfAbsent(
        eventSourceArn,
        arn -> {
          String[] parts = arn.split(":", 6);
          if (parts.length < 6) {
            return configured();
          }
          try {
            String url =
                sqs.getQueueUrl(r -> r.queueName(parts[5]).queueOwnerAWSAccountId(parts[4]))
                    .queueUrl();
            return new SqsMessages(sqs, url);
          } catch (SdkException e) {
            throw AwsErrors.translate("SQS queue " + parts[5], e);
          }
        });
  }

  private SqsMessages configured() {
    SqsMessages queue = configured;
    if (queue == null) {
      queue = new SqsMessages(sqs, configuredQueueUrl.get());
      configured = queue;
    }
    return queue;
  }
}
