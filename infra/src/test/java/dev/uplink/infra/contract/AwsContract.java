package dev.uplink.infra.contract;

import static dev.uplink.core.testing.TaskBuilder.aTask;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.aws.DynamoDbTaskStore;
import dev.uplink.core.aws.S3ObjectStore;
import dev.uplink.core.aws.SqsTaskQueue;
import dev.uplink.core.domain.ObjectStore;
import dev.uplink.core.domain.TaskConflictException;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.infra.AwsProvisioner;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexDescription;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * What Uplink needs of S3, SQS and DynamoDB, as one suite that runs unchanged against every
 * backend: the in-process emulators ({@link InProcessAwsContractTest}, always) and LocalStack
 * ({@link LocalStackAwsContractTest}, where a Docker engine runs). Each backend provisions the
 * resources of {@code template.yaml} first, as the local stack does.
 */
abstract class AwsContract {

  static final Duration VISIBILITY = Duration.ofSeconds(2);
  static final int MAX_RECEIVE_COUNT = 2;

  /** Clients for fresh resource names on the backend under test, provisioned. */
  protected abstract AwsClients clients();

  @Test
  void theTemplatesTableHasItsIndexesAndTheQueueRedrivesToTheDeadLetterQueue() {
    var table =
        clients().dynamoDb().describeTable(r -> r.tableName(clients().settings().table())).table();
    assertThat(table.globalSecondaryIndexes())
        .extracting(GlobalSecondaryIndexDescription::indexName)
        .containsExactlyInAnyOrder(
            DynamoDbTaskStore.OPEN_TASKS_INDEX,
            DynamoDbTaskStore.OWNER_INDEX,
            DynamoDbTaskStore.UPLOAD_DEADLINES_INDEX);
    String redrive =
        clients()
            .sqs()
            .getQueueAttributes(
                r ->
                    r.queueUrl(clients().queueUrl())
                        .attributeNames(QueueAttributeName.REDRIVE_POLICY))
            .attributes()
            .get(QueueAttributeName.REDRIVE_POLICY);
    assertThat(redrive).contains("\"maxReceiveCount\":" + MAX_RECEIVE_COUNT);
  }

  @Test
  void anObjectLargerThanAPartIsStoredInPartsAndReadBackByteForByte() throws Exception {
    byte[] content = new byte[S3ObjectStore.MIN_PART_SIZE + 123_457];
    new Random(7).nextBytes(content);
    ObjectStore objects =
        new S3ObjectStore(
            clients().s3(), clients().settings().bucket(), S3ObjectStore.MIN_PART_SIZE);

    assertThat(objects.put("uploads/contract", new ByteArrayInputStream(content)))
        .isEqualTo(content.length);

    try (ObjectStore.StoredObject stored = objects.open("uploads/contract");
        InputStream in = stored.content()) {
      assertThat(stored.size()).isEqualTo(content.length);
      assertThat(in.readAllBytes()).isEqualTo(content);
    }
  }

  @Test
  void aClaimIsAConditionalWriteOnlyOneOfTwoWins() {
    var store = new DynamoDbTaskStore(clients().dynamoDb(), clients().settings().table());
    Instant now = Instant.now();
    UploadTask task = aContractTask(now);
    store.create(task);

    UploadTask claimed = store.claim(task.id(), now, Duration.ofMinutes(1));

    assertThat(claimed.status()).isEqualTo(TaskStatus.PROCESSING);
    assertThatThrownBy(() -> store.claim(task.id(), now, Duration.ofMinutes(1)))
        .isInstanceOf(TaskConflictException.class);
    assertThat(store.find(task.id()).orElseThrow().attempts()).isEqualTo(1);
  }

  @Test
  void aMessageNeverDeletedMovesToTheDeadLetterQueueAfterMaxReceiveCount() throws Exception {
    var sqs = clients().sqs();
    UploadTask task = aContractTask(Instant.now());
    new SqsTaskQueue(sqs, clients().queueUrl()).publish(task);

    int receives = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    List<Message> dead = List.of();
    while (dead.isEmpty() && System.nanoTime() < deadline) {
      receives +=
          sqs.receiveMessage(r -> r.queueUrl(clients().queueUrl()).waitTimeSeconds(1))
              .messages()
              .size();
      dead =
          sqs.receiveMessage(r -> r.queueUrl(clients().deadLetterQueueUrl()).waitTimeSeconds(1))
              .messages();
    }

    assertThat(dead)
        .singleElement()
        .satisfies(m -> assertThat(m.body()).contains(task.id().value()));
    assertThat(receives).isEqualTo(MAX_RECEIVE_COUNT);
  }

  private static UploadTask aContractTask(Instant now) {
    return aTask()
        .ownedBy("contract")
        .to("web-1", "/srv/f")
        .objectKey("uploads/f")
        .createdAt(now)
        .build();
  }

  /** Provisions what template.yaml declares on {@code clients}' backend. */
  static void provision(AwsClients clients) {
    new AwsProvisioner(clients).provision(VISIBILITY, MAX_RECEIVE_COUNT);
  }
}
