package dev.uplink.infra.aws;

import static dev.uplink.core.testing.TaskBuilder.aTask;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.core.aws.SqsTaskQueue;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.json.TaskMessage;
import dev.uplink.infra.AwsProvisioner;
import dev.uplink.infra.testing.LocalAwsExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

class SqsTaskQueueTest {

  private static final Duration VISIBILITY_TIMEOUT = Duration.ofSeconds(42);
  private static final int MAX_RECEIVE_COUNT = 4;

  @RegisterExtension
  static final LocalAwsExtension aws =
      LocalAwsExtension.create(VISIBILITY_TIMEOUT, MAX_RECEIVE_COUNT);

  @Test
  void givenTaskId_whenPublished_thenReceiverGetsTaskIdJson() throws Exception {
    var sqs = aws.clients().sqs();
    String queueUrl = aws.resources().queueUrl();
    TaskId id = TaskId.newId();

    new SqsTaskQueue(sqs, queueUrl).publish(taskFor(id, "web-1"));

    var messages =
        sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(5))
            .messages();
    assertThat(messages).as("messages received").hasSize(1);
    Message message = messages.get(0);
    assertThat(new ObjectMapper().readTree(message.body()))
        .as("the body as JSON")
        .isEqualTo(new ObjectMapper().readTree("{\"task_id\":\"" + id.value() + "\"}"));
    assertThat(TaskMessage.parse(message.body())).contains(id);
    sqs.deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
  }

  @Test
  void givenProvisionedQueue_whenAttributesRead_thenRedrivesToDlqWithConfiguredTimeout()
      throws Exception {
    var resources = aws.resources();

    Map<QueueAttributeName, String> attributes =
        aws.clients()
            .sqs()
            .getQueueAttributes(
                r -> r.queueUrl(resources.queueUrl()).attributeNames(QueueAttributeName.ALL))
            .attributes();

    assertThat(attributes.get(QueueAttributeName.VISIBILITY_TIMEOUT))
        .as("VisibilityTimeout")
        .isEqualTo("42");
    var redrive = new ObjectMapper().readTree(attributes.get(QueueAttributeName.REDRIVE_POLICY));
    assertThat(redrive.path("deadLetterTargetArn").asText())
        .as("RedrivePolicy's target")
        .isEqualTo(resources.deadLetterQueueArn())
        .endsWith(":" + aws.settings().deadLetterQueue());
    assertThat(redrive.path("maxReceiveCount").asInt())
        .as("RedrivePolicy's maxReceiveCount")
        .isEqualTo(MAX_RECEIVE_COUNT);
  }

  @Test
  void givenProvisionedResources_whenProvisionedAgain_thenSucceedsAndConvergesToNewSettings() {
    var provisioner = new AwsProvisioner(aws.clients());
    try {
      AwsProvisioner.Resources again = provisioner.provision(Duration.ofSeconds(7), 9);

      assertThat(again).as("the same resources").isEqualTo(aws.resources());
      assertThat(
              aws.clients()
                  .sqs()
                  .getQueueAttributes(
                      r ->
                          r.queueUrl(again.queueUrl())
                              .attributeNames(QueueAttributeName.VISIBILITY_TIMEOUT))
                  .attributes())
          .as("the work queue's attributes, brought to the new values")
          .containsEntry(QueueAttributeName.VISIBILITY_TIMEOUT, "7");
    } finally {
      provisioner.provision(VISIBILITY_TIMEOUT, MAX_RECEIVE_COUNT);
    }
  }

  @Test
  void
      givenFifoQueue_whenPublished_thenMessagesAreGroupedByInstanceAndRepublishesAreNotDeduplicated() {
    var sqs = aws.clients().sqs();
    String fifoUrl =
        sqs.createQueue(
                r ->
                    r.queueName("tasks-" + TaskId.newId().value().toLowerCase() + ".fifo")
                        .attributes(Map.of(QueueAttributeName.FIFO_QUEUE, "true")))
            .queueUrl();
    var queue = new SqsTaskQueue(sqs, fifoUrl);
    UploadTask first = taskFor(TaskId.newId(), "web-a");
    queue.publish(first);
    queue.publish(first); // a reconciler re-publish within the dedup window
    queue.publish(taskFor(TaskId.newId(), "web-b"));

    List<Message> received =
        sqs.receiveMessage(
                r ->
                    r.queueUrl(fifoUrl)
                        .maxNumberOfMessages(10)
                        .waitTimeSeconds(2)
                        .messageSystemAttributeNamesWithStrings("MessageGroupId"))
            .messages();

    assertThat(received)
        .as("message group of each message")
        .extracting(m -> m.attributesAsStrings().get("MessageGroupId"))
        .containsExactlyInAnyOrder("web-a", "web-a", "web-b");
  }

  @Test
  void givenFifoQueue_whenTheSameInstanceNameIsOnTwoRemotes_thenTheirMessagesAreInTwoGroups() {
    var sqs = aws.clients().sqs();
    String fifoUrl =
        sqs.createQueue(
                r ->
                    r.queueName("tasks-" + TaskId.newId().value().toLowerCase() + ".fifo")
                        .attributes(Map.of(QueueAttributeName.FIFO_QUEUE, "true")))
            .queueUrl();
    var queue = new SqsTaskQueue(sqs, fifoUrl);
    queue.publish(taskFor(TaskId.newId(), "web"));
    queue.publish(
        aTask()
            .to(Destination.of("web", "/srv/file.bin").on("lab", null))
            .sha256("00".repeat(32))
            .build());
    queue.publish(
        aTask()
            .to(Destination.of("web", "/srv/file.bin").on("lab", "team-a"))
            .sha256("00".repeat(32))
            .build());

    List<Message> received =
        sqs.receiveMessage(
                r ->
                    r.queueUrl(fifoUrl)
                        .maxNumberOfMessages(10)
                        .waitTimeSeconds(2)
                        .messageSystemAttributeNamesWithStrings("MessageGroupId"))
            .messages();

    assertThat(received)
        .as("message group of each message: the default remote's keeps the bare instance")
        .extracting(m -> m.attributesAsStrings().get("MessageGroupId"))
        .containsExactlyInAnyOrder("web", "lab:default/web", "lab:team-a/web");
  }

  private static UploadTask taskFor(TaskId id, String instance) {
    return aTask().withId(id).to(instance, "/srv/file.bin").sha256("00".repeat(32)).build();
  }
}
