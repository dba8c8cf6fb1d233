package dev.uplink.core.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.TaskConflictException;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.testing.InMemoryTaskStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

/**
 * How {@link DynamoDbTaskStore#claim} finds the status it takes a task from without reading it
 * first: it writes as from PENDING, and a refusal that shows a task claimable from another status
 * is tried once more from that one. A scripted client answers; the behaviour against a real table
 * is in infra's DynamoDbTaskStoreTest (the {@code TaskStoreContract}).
 */
class DynamoDbTaskStoreClaimTest {

  private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
  private static final Duration LEASE = Duration.ofMinutes(2);

  /** Refuses updates with the items it is given, in turn; records every request. */
  private static final class ScriptedDynamoDb implements DynamoDbClient {
    final Deque<UploadTask> refusals = new ArrayDeque<>();
    final List<UpdateItemRequest> updates = new ArrayList<>();

    @Override
    public UpdateItemResponse updateItem(UpdateItemRequest request) {
      updates.add(request);
      UploadTask stored = refusals.poll();
      if (stored != null) {
        throw ConditionalCheckFailedException.builder()
            .message("The conditional request failed")
            .item(TaskItem.of(stored, Duration.ofDays(1)))
            .build();
      }
      UploadTask claimed =
          InMemoryTaskStore.with(
              task, TaskStatus.PROCESSING, 2, Optional.empty(), Optional.of(NOW.plus(LEASE)), NOW);
      return UpdateItemResponse.builder()
          .attributes(TaskItem.of(claimed, Duration.ofDays(1)))
          .build();
    }

    @Override
    public UpdateItemResponse updateItem(Consumer<UpdateItemRequest.Builder> request) {
      return updateItem(UpdateItemRequest.builder().applyMutation(request).build());
    }

    @Override
    public String serviceName() {
      return "dynamodb";
    }

    @Override
    public void close() {}
  }

  private static final UploadTask task =
      UploadTask.pending(
          TaskId.newId(), "alice", Destination.of("web-1", "/srv/a"), "uploads/a", 1, "00", NOW);

  private final ScriptedDynamoDb dynamoDb = new ScriptedDynamoDb();
  private final DynamoDbTaskStore store = new DynamoDbTaskStore(dynamoDb, "tasks");

  private static UploadTask processing(Optional<Instant> leaseUntil) {
    return InMemoryTaskStore.with(
        task, TaskStatus.PROCESSING, 1, Optional.empty(), leaseUntil, NOW.minusSeconds(300));
  }

  private static String from(UpdateItemRequest update) {
    return update.expressionAttributeValues().get(":from").s();
  }

  @Test
  void givenAPendingTask_thenOneWriteFromPending() {
    store.claim(task.id(), NOW, LEASE);

    assertThat(dynamoDb.updates)
        .extracting(DynamoDbTaskStoreClaimTest::from)
        .containsExactly("PENDING");
  }

  @Test
  void givenAnExpiredLease_thenTheRefusalShowsItAndTheClaimIsWrittenFromProcessing() {
    dynamoDb.refusals.add(processing(Optional.of(NOW.minusSeconds(1))));

    store.claim(task.id(), NOW, LEASE);

    assertThat(dynamoDb.updates)
        .extracting(DynamoDbTaskStoreClaimTest::from)
        .containsExactly("PENDING", "PROCESSING");
    assertThat(dynamoDb.updates.get(1).conditionExpression())
        .as("the takeover is still conditioned on the lease having run out")
        .contains("#leaseUntil <= :now");
  }

  @Test
  void givenALiveLease_thenRefusedAfterOneWrite() {
    dynamoDb.refusals.add(processing(Optional.of(NOW.plusSeconds(60))));

    assertThatThrownBy(() -> store.claim(task.id(), NOW, LEASE))
        .isInstanceOf(TaskConflictException.class)
        .hasMessageContaining("not claimable: it is PROCESSING leased until");
    assertThat(dynamoDb.updates).hasSize(1);
  }

  @Test
  void givenATaskThatKeepsChangingUnderTheClaim_thenRefusedAfterThreeWrites() {
    // Released to PENDING, then taken over again by another worker: each refusal shows a
    // claimable task from the other status.
    dynamoDb.refusals.add(processing(Optional.empty()));
    dynamoDb.refusals.add(task);
    dynamoDb.refusals.add(processing(Optional.empty()));

    assertThatThrownBy(() -> store.claim(task.id(), NOW, LEASE))
        .isInstanceOf(TaskConflictException.class);
    assertThat(dynamoDb.updates)
        .extracting(DynamoDbTaskStoreClaimTest::from)
        .containsExactly("PENDING", "PROCESSING", "PENDING");
  }
}
