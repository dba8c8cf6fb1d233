package dev.uplink.core.aws;

import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.TaskQueue;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.json.TaskMessage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.UUID;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

/**
 * {@link TaskQueue} on an SQS queue: one message {@code {"task_id":"..."}} per task. On a FIFO
 * queue (its URL ends in {@code .fifo}) the message group is the destination instance on its remote
 * and in its project ({@link #messageGroup}), so one container receives its files serially and in
 * order while different containers (also same-named ones on other remotes or in other projects) run
 * in parallel.
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
          .messageGroupId(messageGroup(task.destination()))
          .messageDeduplicationId(UUID.randomUUID().toString());
    }
    AwsErrors.translated(dependency, () -> sqs.sendMessage(request.build()));
  }

  /** SQS's longest message group id. */
  static final int MAX_GROUP_ID = 128;

  /**
   * The FIFO message group of a destination: its instance, qualified as the incus CLI does ({@code
   * remote:project/instance}) when it is not on the default remote in the default project (which
   * keeps the group such messages had before remotes and projects existed, so order holds across an
   * upgrade). A name longer than SQS allows is replaced by its SHA-256 (hex, 64 characters).
   */
  public static String messageGroup(Destination destination) {
    if (destination.onDefaultRemote()
        && destination.project().equals(Destination.DEFAULT_PROJECT)) {
      return destination.instance();
    }
    String group =
        destination.remote() + ":" + destination.project() + "/" + destination.instance();
    return group.length() <= MAX_GROUP_ID ? group : sha256(group);
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every JDK has SHA-256", e);
    }
  }
}
