package dev.uplink.core.aws;

import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskMessage;
import dev.uplink.core.domain.TaskQueue;
import java.util.Objects;
import software.amazon.awssdk.services.sqs.SqsClient;

/** {@link TaskQueue} on an SQS queue: one message {@code {"task_id":"..."}} per task. */
public final class SqsTaskQueue implements TaskQueue {

  private final SqsClient sqs;
  private final String queueUrl;

  public SqsTaskQueue(SqsClient sqs, String queueUrl) {
    this.sqs = Objects.requireNonNull(sqs, "sqs");
    this.queueUrl = Objects.requireNonNull(queueUrl, "queueUrl");
  }

  /**
   * Returns once SQS has accepted the message; SDK exceptions propagate for the caller to retry.
   */
  @Override
  public void publish(TaskId id) {
    sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody(TaskMessage.bodyFor(id)));
  }
}
