package dev.uplink.core.aws;

import static dev.uplink.core.testing.TaskBuilder.aTask;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.domain.DependencyException;
import dev.uplink.core.domain.IdempotencyKeyTakenException;
import dev.uplink.core.domain.TaskConflictException;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.UploadTask;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * How {@link DynamoDbTaskStore#create} reads DynamoDB's refusals of its create-under-a-key
 * transaction, including the ones DynamoDB Local never produces (it runs transactions one at a
 * time, so it never cancels one for a conflict with another). A scripted client answers; the
 * behaviour against a real table is in infra's DynamoDbTaskStoreTest.
 */
class DynamoDbTaskStoreTransactionTest {

  private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
  private static final String OWNER = "alice";

  /** Answers transactions from a script; records every request. */
  private static final class ScriptedDynamoDb implements DynamoDbClient {
    final Deque<RuntimeException> transactionOutcomes = new ArrayDeque<>();
    final List<TransactWriteItemsRequest> transactions = new ArrayList<>();
    final List<GetItemRequest> reads = new ArrayList<>();
    Map<String, AttributeValue> storedGuard = Map.of();

    @Override
    public TransactWriteItemsResponse transactWriteItems(TransactWriteItemsRequest request) {
      transactions.add(request);
      RuntimeException outcome = transactionOutcomes.poll();
      if (outcome != null) {
        throw outcome;
      }
      return TransactWriteItemsResponse.builder().build();
    }

    @Override
    public TransactWriteItemsResponse transactWriteItems(
        Consumer<TransactWriteItemsRequest.Builder> request) {
      return transactWriteItems(TransactWriteItemsRequest.builder().applyMutation(request).build());
    }

    @Override
    public GetItemResponse getItem(GetItemRequest request) {
      reads.add(request);
      return GetItemResponse.builder().item(storedGuard).build();
    }

    @Override
    public GetItemResponse getItem(Consumer<GetItemRequest.Builder> request) {
      return getItem(GetItemRequest.builder().applyMutation(request).build());
    }

    @Override
    public String serviceName() {
      return "dynamodb";
    }

    @Override
    public void close() {}
  }

  private final ScriptedDynamoDb dynamoDb = new ScriptedDynamoDb();
  private final DynamoDbTaskStore store =
      new DynamoDbTaskStore(
          dynamoDb, "tasks", Duration.ofDays(1), Clock.fixed(NOW, ZoneOffset.UTC));

  private static UploadTask aTaskUnderKey() {
    return aTask()
        .ownedBy(OWNER)
        .to("web-1", "/srv/a")
        .objectKey("uploads/a")
        .sha256("00")
        .createdAt(NOW)
        .idempotencyKey("k")
        .build();
  }

  private static CancellationReason ok() {
    return CancellationReason.builder().code("None").build();
  }

  private static CancellationReason conflict() {
    return CancellationReason.builder().code("TransactionConflict").build();
  }

  private static CancellationReason conditionFailed(Map<String, AttributeValue> item) {
    return CancellationReason.builder().code("ConditionalCheckFailed").item(item).build();
  }

  private static TransactionCanceledException canceled(CancellationReason... reasons) {
    return TransactionCanceledException.builder()
        .message("Transaction cancelled")
        .cancellationReasons(reasons)
        .build();
  }

  private static Map<String, AttributeValue> guardNaming(TaskId task, Instant expiresAt) {
    return Map.of(
        "id", AttributeValue.fromS(IdempotencyGuard.id(OWNER, "k")),
        "taskId", AttributeValue.fromS(task.value()),
        "expiresAt", AttributeValue.fromN(Long.toString(expiresAt.getEpochSecond())));
  }

  @Test
  void givenTransactionsCancelledForAConflict_thenTriedAgainUntilOneGoesThrough() {
    dynamoDb.transactionOutcomes.add(canceled(conflict(), ok()));
    dynamoDb.transactionOutcomes.add(canceled(ok(), conflict()));

    store.create(aTaskUnderKey());

    assertThat(dynamoDb.transactions).as("transactions sent").hasSize(3);
  }

  @Test
  void givenConflictsThatDoNotEnd_thenATransientDependencyFailureAfterFiveTries() {
    for (int i = 0; i < 10; i++) {
      dynamoDb.transactionOutcomes.add(canceled(conflict(), conflict()));
    }

    assertThatThrownBy(() -> store.create(aTaskUnderKey()))
        .isInstanceOfSatisfying(
            DependencyException.class,
            e -> {
              assertThat(e.isTransient()).as("transient").isTrue();
              assertThat(e.dependency()).isEqualTo("DynamoDB table tasks");
            })
        .hasCauseInstanceOf(TransactionCanceledException.class);
    assertThat(dynamoDb.transactions).as("transactions sent").hasSize(5);
  }

  @Test
  void givenTheGuardRefusedWithItsItem_thenTheKeyIsTakenByTheTaskItNamesWithoutAnotherRead() {
    TaskId first = TaskId.newId();
    dynamoDb.transactionOutcomes.add(
        canceled(ok(), conditionFailed(guardNaming(first, NOW.plusSeconds(60)))));

    assertThatThrownBy(() -> store.create(aTaskUnderKey()))
        .isInstanceOfSatisfying(
            IdempotencyKeyTakenException.class, e -> assertThat(e.existing()).isEqualTo(first));
    assertThat(dynamoDb.reads).as("reads").isEmpty();
    assertThat(dynamoDb.transactions).hasSize(1);
  }

  @Test
  void givenTheGuardRefusedWithoutItsItem_thenItIsReadConsistently() {
    TaskId first = TaskId.newId();
    dynamoDb.storedGuard = guardNaming(first, NOW.plusSeconds(60));
    dynamoDb.transactionOutcomes.add(canceled(ok(), conditionFailed(Map.of())));

    assertThatThrownBy(() -> store.create(aTaskUnderKey()))
        .isInstanceOfSatisfying(
            IdempotencyKeyTakenException.class, e -> assertThat(e.existing()).isEqualTo(first));
    assertThat(dynamoDb.reads)
        .singleElement()
        .satisfies(read -> assertThat(read.consistentRead()).as("consistent").isTrue());
  }

  @Test
  void givenTheGuardExpiredBetweenTheRefusalAndTheRead_thenTheCreateIsTriedAgain() {
    dynamoDb.storedGuard = guardNaming(TaskId.newId(), NOW.minusSeconds(1));
    dynamoDb.transactionOutcomes.add(canceled(ok(), conditionFailed(Map.of())));

    store.create(aTaskUnderKey());

    assertThat(dynamoDb.transactions).as("transactions sent").hasSize(2);
  }

  @Test
  void givenTheTaskAndItsOwnGuardBothExist_thenTheTaskConflicts() {
    UploadTask task = aTaskUnderKey();
    dynamoDb.transactionOutcomes.add(
        canceled(
            conditionFailed(Map.of()),
            conditionFailed(guardNaming(task.id(), NOW.plusSeconds(60)))));

    assertThatThrownBy(() -> store.create(task)).isInstanceOf(TaskConflictException.class);
    assertThat(dynamoDb.transactions).hasSize(1);
  }

  @Test
  void givenACancellationForAnotherReason_thenItIsTranslatedAndNotTriedAgain() {
    dynamoDb.transactionOutcomes.add(
        canceled(ok(), CancellationReason.builder().code("ValidationError").build()));

    assertThatThrownBy(() -> store.create(aTaskUnderKey()))
        .isInstanceOf(DependencyException.class)
        .hasCauseInstanceOf(TransactionCanceledException.class);
    assertThat(dynamoDb.transactions).hasSize(1);
  }

  @Test
  void givenACancellationForThrottling_thenATransientThrottledDependencyFailure() {
    dynamoDb.transactionOutcomes.add(
        canceled(ok(), CancellationReason.builder().code("ThrottlingError").build()));

    assertThatThrownBy(() -> store.create(aTaskUnderKey()))
        .isInstanceOfSatisfying(
            DependencyException.class,
            e -> assertThat(e.reason()).isEqualTo(DependencyException.Reason.THROTTLED))
        .hasCauseInstanceOf(TransactionCanceledException.class);
  }

  @Test
  void theGuardIdIsAFixedLengthHashOfOwnerAndKey() {
    assertThat(IdempotencyGuard.id("alice", "k"))
        .startsWith("idempotency#")
        .hasSize("idempotency#".length() + 64)
        .isNotEqualTo(IdempotencyGuard.id("alic", "ek"))
        .isNotEqualTo(IdempotencyGuard.id("bob", "k"))
        .isEqualTo(IdempotencyGuard.id("alice", "k"));
  }
}
