package dev.uplink.core.aws;

import dev.uplink.core.domain.TaskQueue;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.json.TaskMessage;
import java.util.Objects;
import java.util.UUID;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

/**
 * {@link TaskQueue} on an SQS queue: one message {@code {"task_id":"..."}} per task. On a FIFO
 * queue (its URL ends in {@code .fifo}) the message group is the destination instance, so one
 * container receives its files serially and in order while different containers run in parallel.
 */
public final class SqsTaskQueue implements TaskQueue {

  private final SqsClient sqs;
  private final String queueUrl;
  private final boolean fifo;
  private final String dependency;

  public SqsTaskQueue(SqsClient sqs, String queueUrl) {
    this.sqs = Objects.requireNonNull(sqs, "sqs");
    this.queueUrl = Objects.requireNonNull(queueUrl, "queueUrl");
    this.fifo = queueUrl.endsWith(".fifo");
    this.dependency = "SQS queue " + queueUrl.substring(queueUrl.lastIndexOf('/') + 1);
  }

  /**
   * Returns once SQS has accepted the message.
   *
   * @throws dev.uplink.core.domain.DependencyException if SQS did not accept it (naming the queue;
   *     transient or not), for the caller to retry
   */
  @Override
  public void publish(UploadTask task) {
    var request =
        SendMessageRequest.builder().queueUrl(queueUrl).messageBody(TaskMessage.bodyFor(task.id()));
    if (fifo) {
      // A fresh deduplication id per publish: a deliberate re-publish (the reconciler's) must not
      // be swallowed by the 5-minute dedup window; duplicates are harmless under the claim rule.
      request
          .messageGroupId(task.destination().instance())
          .messageDeduplicationId(UUID.randomUUID().toString());
    }
    AwsErrors.translated(dependency, () -> sqs.sendMessage(request.build()));
  }
}
