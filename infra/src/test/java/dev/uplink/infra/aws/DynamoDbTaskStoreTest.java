package dev.uplink.infra.aws;

import static dev.uplink.core.testing.TaskBuilder.aTask;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.aws.DynamoDbTaskStore;
import dev.uplink.core.config.AwsSettings;
import dev.uplink.core.domain.AwaitingUpload;
import dev.uplink.core.domain.ClaimVerdict;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.DirectUpload;
import dev.uplink.core.domain.IdempotencyKeyTakenException;
import dev.uplink.core.domain.IllegalTaskTransitionException;
import dev.uplink.core.domain.TaskConflictException;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskNotFoundException;
import dev.uplink.core.domain.TaskQuery;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.TaskStore;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.testing.InMemoryTaskStore;
import dev.uplink.core.testing.TaskStoreContract;
import dev.uplink.infra.AwsProvisioner;
import dev.uplink.infra.testing.LocalAwsExtension;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

class DynamoDbTaskStoreTest {

  @RegisterExtension static final LocalAwsExtension aws = LocalAwsExtension.create();

  private static final Instant CREATED = Instant.parse("2026-11-22T10:15:30.123456789Z");
  private static final Duration LEASE = Duration.ofMinutes(2);
  private static final Duration RETENTION = Duration.ofDays(7);
  private static DynamoDbTaskStore store;

  @BeforeAll
  static void createStore() {
    store = new DynamoDbTaskStore(aws.clients().dynamoDb(), aws.settings().table(), RETENTION);
  }

  private static UploadTask aPendingTask() {
    return aTask()
        .to(new Destination("web-1", "/srv/www/index.html", 0640, 1000, 1001))
        .size(123_456_789_012L)
        .createdAt(CREATED)
        .build();
  }

  private static UploadTask aStoredPendingTask() {
    UploadTask task = aPendingTask();
    store.create(task);
    return task;
  }

  private static UploadTask aStoredTaskIn(TaskStatus status) {
    UploadTask task = aStoredPendingTask();
    if (status == TaskStatus.PENDING) {
      return task;
    }
    if (status == TaskStatus.CANCELLED) {
      return store.transition(
          task.id(), TaskStatus.PENDING, status, Optional.empty(), CREATED.plusSeconds(1));
    }
    UploadTask claimed = store.claim(task.id(), CREATED.plusSeconds(1), LEASE);
    return status == TaskStatus.PROCESSING
        ? claimed
        : store.finish(task.id(), 1, status, Optional.empty(), CREATED.plusSeconds(2));
  }

  @Nested
  class CreateAndFind {

    @Test
    void givenNewTask_whenCreatedAndFound_thenEveryFieldRoundTrips() {
      UploadTask task = aPendingTask();

      store.create(task);

      assertThat(store.find(task.id())).as("the stored task").contains(task);
    }

    @Test
    void givenTaskWithLastError_whenCreatedAndFound_thenTheErrorRoundTrips() {
      UploadTask pending = aPendingTask();
      UploadTask task =
          UploadTask.builder(
                  pending.id(),
                  pending.owner(),
                  Destination.of("db", "/var/lib/x"),
                  pending.objectKey(),
                  0,
                  pending.sha256(),
                  TaskStatus.FAILED,
                  CREATED)
              .attempts(3)
              .lastError(Optional.of(new TaskError(TaskError.INSTANCE_NOT_FOUND, "no instance db")))
              .updatedAt(CREATED.plusMillis(1))
              .timeline(List.of())
              .build();

      store.create(task);

      assertThat(store.find(task.id())).as("the stored task").contains(task);
    }

    /** Every status, however it is written, is in the open index or expires: never both. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(TaskStatus.class)
    void givenATaskInAnyStatus_whenCreated_thenItIsInTheOpenIndexExactlyWhileOpen(
        TaskStatus status) {
      UploadTask task =
          InMemoryTaskStore.with(
              aPendingTask(), status, 0, Optional.empty(), Optional.empty(), CREATED);

      store.create(task);

      var item = rawItem(task.id());
      if (status.isOpen()) {
        assertThat(item)
            .containsEntry("openStatus", AttributeValue.fromS(status.name()))
            .doesNotContainKey("expiresAt");
      } else {
        assertThat(item)
            .doesNotContainKey("openStatus")
            .containsEntry(
                "expiresAt",
                AttributeValue.fromN(Long.toString(CREATED.plus(RETENTION).getEpochSecond())));
      }
      assertThat(store.find(task.id())).contains(task);
    }

    @Test
    void givenNoSuchTask_whenFound_thenEmpty() {
      assertThat(store.find(TaskId.newId())).isEmpty();
    }

    @Test
    void givenExistingTask_whenCreatedAgain_thenConflictCarriesTheStoredTask() {
      UploadTask task = aStoredPendingTask();
      UploadTask sameId =
          UploadTask.pending(
              task.id(), "mallory", Destination.of("other", "/etc/passwd"), "x", 1, "00", CREATED);

      assertThatThrownBy(() -> store.create(sameId))
          .isInstanceOfSatisfying(
              TaskConflictException.class,
              e -> {
                assertThat(e.id()).isEqualTo(task.id());
                assertThat(e.current()).as("the record already stored").contains(task);
              })
          .hasCauseInstanceOf(ConditionalCheckFailedException.class);
      assertThat(store.find(task.id())).as("the first record, untouched").contains(task);
    }
  }

  @Nested
  class Claim {

    @Test
    void givenPendingTask_whenClaimed_thenProcessingWithOneMoreAttemptAndALease() {
      UploadTask task = aStoredPendingTask();
      Instant now = CREATED.plus(5, ChronoUnit.MINUTES);

      UploadTask claimed = store.claim(task.id(), now, LEASE);

      assertThat(claimed.status()).isEqualTo(TaskStatus.PROCESSING);
      assertThat(claimed.attempts()).isEqualTo(1);
      assertThat(claimed.leaseUntil()).contains(now.plus(LEASE));
      assertThat(claimed.updatedAt()).isEqualTo(now);
      assertThat(claimed.createdAt()).isEqualTo(task.createdAt());
      assertThat(store.find(task.id())).as("what is stored").contains(claimed);
    }

    @Test
    void givenProcessingTaskUnderALiveLease_whenClaimed_thenConflictCarriesTheHolder() {
      UploadTask task = aStoredPendingTask();
      UploadTask held = store.claim(task.id(), CREATED.plusSeconds(1), LEASE);

      assertThatThrownBy(
              () -> store.claim(task.id(), held.leaseUntil().orElseThrow().minusMillis(1), LEASE))
          .isInstanceOfSatisfying(
              TaskConflictException.class,
              e -> assertThat(e.current()).as("the current record").contains(held))
          .hasCauseInstanceOf(ConditionalCheckFailedException.class);
      assertThat(store.find(task.id())).as("untouched").contains(held);
    }

    @Test
    void givenProcessingTaskUnderAnExpiredLease_whenClaimed_thenReclaimedWithOneMoreAttempt() {
      UploadTask task = aStoredPendingTask();
      UploadTask first = store.claim(task.id(), CREATED.plusSeconds(1), LEASE);
      Instant later = first.leaseUntil().orElseThrow().plusMillis(1);

      UploadTask second = store.claim(task.id(), later, LEASE);

      assertThat(second.status()).isEqualTo(TaskStatus.PROCESSING);
      assertThat(second.attempts()).isEqualTo(2);
      assertThat(second.leaseUntil()).contains(later.plus(LEASE));
      assertThat(second.updatedAt()).isEqualTo(later);
    }

    @Test
    void givenALeaseEndingExactlyNow_whenClaimed_thenReclaimedAsClaimVerdictSays() {
      UploadTask first = store.claim(aStoredPendingTask().id(), CREATED.plusSeconds(1), LEASE);
      Instant expiry = first.leaseUntil().orElseThrow();
      assertThat(first.claimVerdict(expiry)).isEqualTo(ClaimVerdict.CLAIMABLE);

      assertThat(store.claim(first.id(), expiry, LEASE).attempts()).isEqualTo(2);
    }

    @Test
    void givenALeaseEndingOnAWholeSecond_whenClaimedJustAfter_thenReclaimed() {
      // Variable-width ISO strings would compare "...:00Z" after "...:00.500Z" (Z > '.'):
      // stored timestamps must be fixed-width for the condition to compare instants.
      Instant claimedAt = Instant.parse("2026-11-22T11:00:00Z");
      UploadTask first = store.claim(aStoredPendingTask().id(), claimedAt, LEASE);
      assertThat(first.leaseUntil()).contains(Instant.parse("2026-11-22T11:02:00Z"));

      UploadTask second = store.claim(first.id(), Instant.parse("2026-11-22T11:02:00.5Z"), LEASE);

      assertThat(second.attempts()).isEqualTo(2);
    }

    @Test
    void givenProcessingTaskWithNoLease_whenClaimed_thenReclaimed() {
      UploadTask pending = aPendingTask();
      UploadTask legacy =
          pending.toBuilder()
              .status(TaskStatus.PROCESSING)
              .attempts(1)
              .timeline(List.of())
              .idempotencyKey(Optional.empty())
              .seal(Optional.empty())
              .directUpload(Optional.empty())
              .bytesPushed(0)
              .createdAt(CREATED)
              .updatedAt(CREATED)
              .build();
      store.create(legacy);

      assertThat(store.claim(legacy.id(), CREATED.plusSeconds(1), LEASE).attempts()).isEqualTo(2);
    }

    @Test
    void givenReleasedTask_whenClaimedAgain_thenAttemptsKeepCounting() {
      UploadTask task = aStoredTaskIn(TaskStatus.PROCESSING);
      store.finish(task.id(), 1, TaskStatus.PENDING, Optional.empty(), CREATED.plusSeconds(3));

      assertThat(store.claim(task.id(), CREATED.plusSeconds(4), LEASE).attempts()).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(
        value = TaskStatus.class,
        names = {"DONE", "FAILED", "CANCELLED"})
    void givenFinishedTask_whenClaimed_thenConflictCarriesItAndNothingChanges(TaskStatus status) {
      UploadTask finished = aStoredTaskIn(status);

      assertThatThrownBy(() -> store.claim(finished.id(), CREATED.plus(Duration.ofDays(1)), LEASE))
          .isInstanceOfSatisfying(
              TaskConflictException.class,
              e -> assertThat(e.current()).as("the current record").contains(finished));
      assertThat(store.find(finished.id())).contains(finished);
    }

    @Test
    void givenNoSuchTask_whenClaimed_thenNotFoundAndNoItemIsCreated() {
      TaskId absent = TaskId.newId();

      assertThatThrownBy(() -> store.claim(absent, CREATED, LEASE))
          .isInstanceOfSatisfying(
              TaskNotFoundException.class, e -> assertThat(e.id()).isEqualTo(absent))
          .hasCauseInstanceOf(ConditionalCheckFailedException.class);
      assertThat(store.find(absent)).as("an update must not create the item").isEmpty();
    }

    @Test
    void givenPendingTask_whenTwentyWorkersClaimAtOnce_thenExactlyOneWins() throws Exception {
      UploadTask task = aStoredPendingTask();
      int workers = 20;
      var ready = new CountDownLatch(workers);
      var go = new CountDownLatch(1);
      List<Future<UploadTask>> claims = new ArrayList<>();
      try (var pool = Executors.newFixedThreadPool(workers)) {
        for (int i = 0; i < workers; i++) {
          Callable<UploadTask> claim =
              () -> {
                ready.countDown();
                go.await();
                return store.claim(task.id(), Instant.now(), LEASE);
              };
          claims.add(pool.submit(claim));
        }
        ready.await();
        go.countDown();
      }

      int won = 0;
      int conflicted = 0;
      for (Future<UploadTask> claim : claims) {
        try {
          claim.get();
          won++;
        } catch (ExecutionException e) {
          assertThat(e.getCause()).isInstanceOf(TaskConflictException.class);
          conflicted++;
        }
      }
      assertThat(won).as("claims that won").isEqualTo(1);
      assertThat(conflicted).as("claims that conflicted").isEqualTo(workers - 1);
      assertThat(store.find(task.id()).orElseThrow().attempts())
          .as("attempts counted once")
          .isEqualTo(1);
    }
  }

  @Nested
  class LeaseAndFinish {

    @Test
    void givenTheHoldingAttempt_whenLeaseExtended_thenOnlyTheLeaseMoves() {
      UploadTask claimed = aStoredTaskIn(TaskStatus.PROCESSING);
      Instant until = CREATED.plus(Duration.ofMinutes(30));

      UploadTask extended = store.extendLease(claimed.id(), 1, until);

      assertThat(extended.leaseUntil()).contains(until);
      assertThat(extended.updatedAt())
          .as("a heartbeat is no status change")
          .isEqualTo(claimed.updatedAt());
      assertThat(extended.attempts()).isEqualTo(1);
      assertThat(store.find(claimed.id())).contains(extended);
    }

    @Test
    void givenAReclaimedTask_thenTheStaleAttemptCanNeitherExtendNorFinish() {
      UploadTask first = aStoredTaskIn(TaskStatus.PROCESSING);
      UploadTask second =
          store.claim(first.id(), first.leaseUntil().orElseThrow().plusSeconds(1), LEASE);
      Instant later = second.updatedAt().plusSeconds(1);

      assertThatThrownBy(() -> store.extendLease(first.id(), 1, later.plus(LEASE)))
          .isInstanceOfSatisfying(
              TaskConflictException.class,
              e -> assertThat(e.current()).as("the current record").contains(second));
      for (TaskStatus to : List.of(TaskStatus.DONE, TaskStatus.FAILED, TaskStatus.PENDING)) {
        assertThatThrownBy(() -> store.finish(first.id(), 1, to, Optional.empty(), later))
            .as("attempt 1 finishing as %s", to)
            .isInstanceOfSatisfying(
                TaskConflictException.class,
                e -> assertThat(e.current()).as("the current record").contains(second));
      }
      assertThat(store.find(first.id())).as("the second claim, untouched").contains(second);
      assertThat(store.finish(first.id(), 2, TaskStatus.DONE, Optional.empty(), later).status())
          .as("the holder finishes")
          .isEqualTo(TaskStatus.DONE);
    }

    @Test
    void givenAFinishedTask_thenItsLastAttemptCanNoLongerExtendOrFinish() {
      UploadTask done = aStoredTaskIn(TaskStatus.DONE);

      assertThatThrownBy(() -> store.extendLease(done.id(), 1, CREATED.plus(LEASE)))
          .isInstanceOf(TaskConflictException.class);
      assertThatThrownBy(
              () -> store.finish(done.id(), 1, TaskStatus.FAILED, Optional.empty(), CREATED))
          .isInstanceOf(TaskConflictException.class);
      assertThat(store.find(done.id())).contains(done);
    }

    @Test
    void givenNoSuchTask_whenExtendedOrFinished_thenNotFound() {
      TaskId absent = TaskId.newId();

      assertThatThrownBy(() -> store.extendLease(absent, 1, CREATED))
          .isInstanceOf(TaskNotFoundException.class);
      assertThatThrownBy(() -> store.finish(absent, 1, TaskStatus.DONE, Optional.empty(), CREATED))
          .isInstanceOf(TaskNotFoundException.class);
      assertThat(store.find(absent)).isEmpty();
    }

    @Test
    void givenTheHolder_whenFinishedDone_thenLeaseGoneAndExpiresAtIsNowPlusRetention() {
      UploadTask claimed = aStoredTaskIn(TaskStatus.PROCESSING);
      Instant now = Instant.now();

      UploadTask done = store.finish(claimed.id(), 1, TaskStatus.DONE, Optional.empty(), now);

      assertThat(done.status()).isEqualTo(TaskStatus.DONE);
      assertThat(done.leaseUntil()).isEmpty();
      assertThat(done.updatedAt()).isEqualTo(now);
      var item = rawItem(claimed.id());
      assertThat(item).doesNotContainKeys("leaseUntil", "openStatus");
      assertThat(Long.parseLong(item.get("expiresAt").n()))
          .as("TTL epoch seconds")
          .isEqualTo(now.plus(RETENTION).getEpochSecond());
    }

    @Test
    void givenTheHolder_whenFinishedFailed_thenReasonRecordedAndExpiresAtSet() {
      UploadTask claimed = aStoredTaskIn(TaskStatus.PROCESSING);
      var error = new TaskError(TaskError.RETRIES_EXHAUSTED, "INCUS_UNAVAILABLE: refused");
      Instant now = CREATED.plusSeconds(30);

      UploadTask failed = store.finish(claimed.id(), 1, TaskStatus.FAILED, Optional.of(error), now);

      assertThat(failed.lastError()).contains(error);
      assertThat(failed.attempts()).as("finishing is not an attempt").isEqualTo(1);
      assertThat(rawItem(claimed.id()).get("expiresAt").n())
          .isEqualTo(Long.toString(now.plus(RETENTION).getEpochSecond()));
      assertThat(store.find(claimed.id())).contains(failed);
    }

    @Test
    void givenTheHolder_whenReleasedWithAnError_thenPendingWithoutLeaseOrExpiryAndErrorKept() {
      UploadTask claimed = aStoredTaskIn(TaskStatus.PROCESSING);
      var error = new TaskError("INCUS_UNAVAILABLE", "connection refused");

      UploadTask released =
          store.finish(
              claimed.id(), 1, TaskStatus.PENDING, Optional.of(error), CREATED.plusSeconds(3));

      assertThat(released.status()).isEqualTo(TaskStatus.PENDING);
      assertThat(released.leaseUntil()).isEmpty();
      assertThat(released.lastError()).contains(error);
      assertThat(released.attempts()).isEqualTo(1);
      assertThat(rawItem(claimed.id()))
          .doesNotContainKeys("leaseUntil", "expiresAt")
          .containsEntry("openStatus", AttributeValue.fromS("PENDING"));
    }

    @Test
    void givenTaskWithError_whenFinishedDone_thenTheErrorIsRemovedAndTheTimelineKeepsIt() {
      UploadTask task = aStoredTaskIn(TaskStatus.PROCESSING);
      var error = new TaskError("INCUS_UNAVAILABLE", "connection refused");
      store.finish(task.id(), 1, TaskStatus.PENDING, Optional.of(error), CREATED.plusSeconds(3));
      store.claim(task.id(), CREATED.plusSeconds(4), LEASE);

      UploadTask done =
          store.finish(task.id(), 2, TaskStatus.DONE, Optional.empty(), CREATED.plusSeconds(5));

      assertThat(done.status()).isEqualTo(TaskStatus.DONE);
      assertThat(done.lastError()).isEmpty();
      assertThat(rawItem(task.id())).doesNotContainKeys("errorCode", "errorMessage");
      assertThat(done.timeline())
          .anySatisfy(t -> assertThat(t.reason()).contains("connection refused"));
    }

    @Test
    void givenTheHolder_whenFinishedToAStatusTheStateMachineForbids_thenRefusedWithoutWriting() {
      UploadTask claimed = aStoredTaskIn(TaskStatus.PROCESSING);

      assertThatThrownBy(
              () ->
                  store.finish(
                      claimed.id(),
                      1,
                      TaskStatus.CANCELLED,
                      Optional.empty(),
                      CREATED.plusSeconds(3)))
          .isInstanceOf(IllegalTaskTransitionException.class);
      assertThat(store.find(claimed.id())).contains(claimed);
    }
  }

  @Nested
  class Transition {

    @Test
    void givenPendingTask_whenMovedToDone_thenStateMachineRefusesWithoutWriting() {
      UploadTask task = aStoredPendingTask();

      assertThatThrownBy(
              () ->
                  store.transition(
                      task.id(),
                      TaskStatus.PENDING,
                      TaskStatus.DONE,
                      Optional.empty(),
                      CREATED.plusSeconds(1)))
          .isInstanceOfSatisfying(
              IllegalTaskTransitionException.class,
              e -> {
                assertThat(e.from()).isEqualTo(TaskStatus.PENDING);
                assertThat(e.to()).isEqualTo(TaskStatus.DONE);
              });
      assertThat(store.find(task.id())).as("the record, untouched").contains(task);
    }

    @Test
    void givenPendingTask_whenCancelled_thenCancelledWithExpiryAndOutOfTheOpenIndex() {
      UploadTask task = aStoredPendingTask();
      Instant now = CREATED.plusSeconds(9);

      UploadTask cancelled =
          store.transition(
              task.id(), TaskStatus.PENDING, TaskStatus.CANCELLED, Optional.empty(), now);

      assertThat(cancelled.status()).isEqualTo(TaskStatus.CANCELLED);
      assertThat(cancelled.updatedAt()).isEqualTo(now);
      assertThat(rawItem(task.id()))
          .doesNotContainKey("openStatus")
          .containsEntry(
              "expiresAt",
              AttributeValue.fromN(Long.toString(now.plus(RETENTION).getEpochSecond())));
    }

    @Test
    void givenAwaitingUpload_whenFailedBeforeAnyClaim_thenCodeAndMessageAreRecorded() {
      UploadTask pending = aPendingTask();
      UploadTask task =
          UploadTask.awaitingUpload(
              pending.id(),
              pending.owner(),
              pending.destination(),
              pending.objectKey(),
              pending.size(),
              pending.sha256(),
              new DirectUpload(Optional.empty(), 0, CREATED.plusSeconds(60)),
              CREATED);
      store.create(task);
      var error = new TaskError(TaskError.UPLOAD_MISMATCH, "The object is 3 bytes, not 4");
      Instant now = CREATED.plusSeconds(30);

      UploadTask failed =
          store.transition(
              task.id(), TaskStatus.AWAITING_UPLOAD, TaskStatus.FAILED, Optional.of(error), now);

      assertThat(failed.status()).isEqualTo(TaskStatus.FAILED);
      assertThat(failed.lastError()).contains(error);
      assertThat(failed.updatedAt()).isEqualTo(now);
      assertThat(failed.attempts()).as("a transition is not an attempt").isZero();
      assertThat(store.find(task.id())).as("what is stored").contains(failed);
    }

    @Test
    void givenPendingTask_whenTransitionedToProcessing_thenRefused() {
      UploadTask task = aStoredPendingTask();

      assertThatThrownBy(
              () ->
                  store.transition(
                      task.id(),
                      TaskStatus.PENDING,
                      TaskStatus.PROCESSING,
                      Optional.empty(),
                      CREATED.plusSeconds(1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("claim");
      assertThat(store.find(task.id())).contains(task);
    }

    @Test
    void givenTaskNoLongerInExpectedStatus_whenTransitioned_thenConflictCarriesCurrent() {
      UploadTask task = aStoredTaskIn(TaskStatus.CANCELLED);

      assertThatThrownBy(
              () ->
                  store.transition(
                      task.id(),
                      TaskStatus.PENDING,
                      TaskStatus.CANCELLED,
                      Optional.empty(),
                      CREATED.plusSeconds(2)))
          .isInstanceOfSatisfying(
              TaskConflictException.class,
              e -> assertThat(e.current()).as("the current record").contains(task));
    }

    @Test
    void givenNoSuchTask_whenTransitioned_thenNotFound() {
      TaskId absent = TaskId.newId();

      assertThatThrownBy(
              () ->
                  store.transition(
                      absent,
                      TaskStatus.PENDING,
                      TaskStatus.CANCELLED,
                      Optional.empty(),
                      CREATED.plusSeconds(1)))
          .isInstanceOf(TaskNotFoundException.class);
      assertThat(store.find(absent)).isEmpty();
    }
  }

  /**
   * findStale reads the whole table's open-task index, which other tests also fill: each test here
   * uses its own far-apart instant range and keeps only the ids it made.
   */
  @Nested
  class FindStale {

    private UploadTask storedAt(TaskStatus status, Instant updatedAt, Instant leaseUntil) {
      UploadTask pending = aPendingTask();
      UploadTask task =
          pending.toBuilder()
              .status(status)
              .attempts(status == TaskStatus.PENDING ? 0 : 1)
              .lastError(Optional.empty())
              .leaseUntil(Optional.ofNullable(leaseUntil))
              .timeline(List.of())
              .idempotencyKey(Optional.empty())
              .seal(Optional.empty())
              .directUpload(Optional.empty())
              .bytesPushed(0)
              .createdAt(updatedAt)
              .updatedAt(updatedAt)
              .build();
      store.create(task);
      return task;
    }

    private List<TaskId> staleIdsAmong(
        List<UploadTask> mine, Instant pendingBefore, Instant now, int limit) {
      var ids = mine.stream().map(UploadTask::id).toList();
      return store.findStale(pendingBefore, now, limit).stream()
          .map(UploadTask::id)
          .filter(ids::contains)
          .toList();
    }

    @Test
    void givenEveryKindOfTask_thenExactlyTheStaleOnesOldestFirst() {
      Instant base = Instant.parse("1990-01-01T00:00:00Z");
      Instant now = base.plus(Duration.ofHours(1));
      Instant pendingBefore = now.minus(Duration.ofMinutes(5));
      UploadTask oldPending = storedAt(TaskStatus.PENDING, base.plusSeconds(10), null);
      UploadTask freshPending = storedAt(TaskStatus.PENDING, pendingBefore.plusMillis(1), null);
      UploadTask pendingAtTheBound = storedAt(TaskStatus.PENDING, pendingBefore, null);
      UploadTask expired = storedAt(TaskStatus.PROCESSING, base.plusSeconds(5), now.minusMillis(1));
      UploadTask live = storedAt(TaskStatus.PROCESSING, base.plusSeconds(1), now.plusMillis(1));
      UploadTask noLease = storedAt(TaskStatus.PROCESSING, base.plusSeconds(20), null);
      UploadTask recentlyClaimedButExpired =
          storedAt(TaskStatus.PROCESSING, now.minusSeconds(2), now.minusSeconds(1));
      UploadTask done = storedAt(TaskStatus.DONE, base, null);
      UploadTask failed = storedAt(TaskStatus.FAILED, base, null);
      UploadTask cancelled = storedAt(TaskStatus.CANCELLED, base, null);
      var mine =
          List.of(
              oldPending,
              freshPending,
              pendingAtTheBound,
              expired,
              live,
              noLease,
              recentlyClaimedButExpired,
              done,
              failed,
              cancelled);

      assertThat(staleIdsAmong(mine, pendingBefore, now, 100))
          .containsExactly(
              expired.id(), oldPending.id(), noLease.id(), recentlyClaimedButExpired.id());
    }

    @Test
    void givenMoreStaleTasksThanTheLimit_thenTheOldestUpToTheLimit() {
      // Older than every other scenario's tasks on this shared table (the contract's go back to
      // 1600), whichever order the tests run in.
      Instant base = Instant.parse("1500-01-01T00:00:00Z");
      Instant now = base.plus(Duration.ofDays(1));
      var mine = new ArrayList<UploadTask>();
      for (int i = 0; i < 6; i++) {
        mine.add(
            i % 2 == 0
                ? storedAt(TaskStatus.PENDING, base.plusSeconds(i), null)
                : storedAt(TaskStatus.PROCESSING, base.plusSeconds(i), base.plusSeconds(60)));
      }

      // Every other test's tasks are younger than these and leased beyond 1500: only these match.
      var found = store.findStale(now, now, 4).stream().map(UploadTask::id).toList();

      assertThat(found)
          .containsExactly(mine.get(0).id(), mine.get(1).id(), mine.get(2).id(), mine.get(3).id());
    }

    @Test
    void givenTasksThatAreNoLongerStale_thenTheyDropOut() {
      Instant base = Instant.parse("1970-06-01T00:00:00Z");
      Instant now = base.plus(Duration.ofHours(1));
      UploadTask pending = storedAt(TaskStatus.PENDING, base, null);
      UploadTask expired =
          storedAt(TaskStatus.PROCESSING, base.plusSeconds(1), base.plusSeconds(2));
      var mine = List.of(pending, expired);
      assertThat(staleIdsAmong(mine, now, now, 100)).hasSize(2);

      store.transition(
          pending.id(), TaskStatus.PENDING, TaskStatus.CANCELLED, Optional.empty(), now);
      store.claim(expired.id(), now, LEASE);

      assertThat(staleIdsAmong(mine, now, now, 100))
          .as("a cancelled task and one claimed under a live lease")
          .isEmpty();
    }
  }

  /** Now to the second, as idempotency windows count: a real TTL must not delete guards early. */
  private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

  /** A store on the same table whose idempotency windows run by a clock stopped at {@code now}. */
  private static DynamoDbTaskStore storeAt(Instant now) {
    return new DynamoDbTaskStore(
        aws.clients().dynamoDb(),
        aws.settings().table(),
        RETENTION,
        Clock.fixed(now, ZoneOffset.UTC));
  }

  private static String anOwner() {
    return "owner-" + UUID.randomUUID();
  }

  private static UploadTask aPendingTaskOf(String owner, String instance) {
    return aTask()
        .ownedBy(owner)
        .to(instance, "/srv/file.bin")
        .size(123_456_789_012L)
        .createdAt(NOW)
        .build();
  }

  private static UploadTask anAwaitingTask(Instant at, DirectUpload upload) {
    return aTask()
        .ownedBy(anOwner())
        .to(new Destination("web-1", "/srv/www/index.html", 0640, 1000, 1001))
        .size(20_000_000L)
        .awaitingUpload(upload)
        .createdAt(at)
        .build();
  }

  private static Map<String, AttributeValue> rawGuard(String owner, String key) throws Exception {
    String expectedId =
        "idempotency#"
            + HexFormat.of()
                .formatHex(
                    MessageDigest.getInstance("SHA-256")
                        .digest((owner + "\u0000" + key).getBytes(StandardCharsets.UTF_8)));
    return aws.clients()
        .dynamoDb()
        .getItem(
            r ->
                r.tableName(aws.settings().table())
                    .key(Map.of("id", AttributeValue.fromS(expectedId)))
                    .consistentRead(true))
        .item();
  }

  @Nested
  class NewFields {

    @Test
    void theTimelineIsAListOfMapsAppendedByEachChange_andAnItemWithoutOneGainsIt() {
      UploadTask task =
          UploadTask.pending(
              TaskId.newId(),
              "owner-timeline",
              Destination.of("web-1", "/srv/a"),
              "uploads/t",
              3,
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
              CREATED);
      store.create(task);
      assertThat(rawItem(task.id()).get("timeline").l())
          .singleElement()
          .isEqualTo(
              AttributeValue.fromM(
                  Map.of(
                      "at", rawItem(task.id()).get("createdAt"),
                      "to", AttributeValue.fromS("PENDING"),
                      "reason", AttributeValue.fromS("uploaded"))));

      // As written before timelines existed, after two claims.
      aws.clients()
          .dynamoDb()
          .updateItem(
              r ->
                  r.tableName(aws.settings().table())
                      .key(Map.of("id", AttributeValue.fromS(task.id().value())))
                      .updateExpression("SET attempts = :two REMOVE timeline")
                      .expressionAttributeValues(Map.of(":two", AttributeValue.fromN("2"))));
      assertThat(store.find(task.id()).orElseThrow().timeline()).isEmpty();

      UploadTask claimed = store.claim(task.id(), CREATED.plusSeconds(1), LEASE);

      assertThat(claimed.timeline())
          .singleElement()
          .satisfies(
              t -> {
                assertThat(t.to()).isEqualTo(TaskStatus.PROCESSING);
                assertThat(t.attempt()).as("counted on from the stored attempts").isEqualTo(3);
                assertThat(t.from()).as("unknown: the entry before it was never kept").isEmpty();
              });
    }

    @Test
    void anItemWrittenBeforeProjectsExisted_isListedUnderTheDefaultProjectOnly() {
      UploadTask task =
          UploadTask.pending(
              TaskId.newId(),
              "owner-before-projects",
              Destination.of("web-1", "/srv/a"),
              "uploads/p",
              3,
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
              CREATED);
      store.create(task);
      aws.clients()
          .dynamoDb()
          .updateItem(
              r ->
                  r.tableName(aws.settings().table())
                      .key(Map.of("id", AttributeValue.fromS(task.id().value())))
                      .updateExpression("REMOVE #project")
                      .expressionAttributeNames(Map.of("#project", "project")));
      assertThat(rawItem(task.id())).doesNotContainKey("project");

      assertThat(store.list(task.owner(), inProject("default")).tasks())
          .extracting(UploadTask::id)
          .containsExactly(task.id());
      assertThat(store.list(task.owner(), inProject("team-a")).tasks()).isEmpty();
    }

    private static TaskQuery inProject(String project) {
      return new TaskQuery(
          Optional.empty(), Optional.empty(), 10, Optional.empty(), Optional.of(project));
    }

    @Test
    void givenAMultipartUploadProgressAndAKey_thenTheyRoundTripAsFlatAttributes() {
      UploadTask awaiting =
          anAwaitingTask(
              CREATED,
              DirectUpload.inParts(
                  "mpu.2~x", 8 * 1024 * 1024, Instant.parse("2026-11-23T00:00:00Z")));
      UploadTask task =
          awaiting.toBuilder()
              .status(TaskStatus.PROCESSING)
              .attempts(1)
              .leaseUntil(Optional.of(CREATED.plus(LEASE)))
              .createdAt(CREATED)
              .updatedAt(CREATED)
              .bytesPushed(4_000_000L)
              .idempotencyKey(Optional.of("key-1"))
              .timeline(List.of())
              .build();

      store.create(task);

      assertThat(store.find(task.id())).as("the stored task").contains(task);
      assertThat(rawItem(task.id()))
          .containsEntry("multipartUploadId", AttributeValue.fromS("mpu.2~x"))
          .containsEntry("partSize", AttributeValue.fromN("8388608"))
          .containsEntry("uploadExpiresAt", AttributeValue.fromS("2026-11-23T00:00:00.000000000Z"))
          .containsEntry("bytesPushed", AttributeValue.fromN("4000000"))
          .containsEntry("idempotencyKey", AttributeValue.fromS("key-1"));
    }

    @Test
    void givenASinglePutUpload_thenItRoundTripsWithoutAMultipartId() {
      UploadTask task =
          anAwaitingTask(CREATED, DirectUpload.singlePut(Instant.parse("2026-11-23T00:00:00.5Z")));

      store.create(task);

      assertThat(store.find(task.id())).contains(task);
      assertThat(rawItem(task.id()))
          .doesNotContainKeys("multipartUploadId", "idempotencyKey")
          .containsEntry("partSize", AttributeValue.fromN("0"))
          .containsEntry("openStatus", AttributeValue.fromS("AWAITING_UPLOAD"));
    }

    @Test
    void givenAnItemWrittenBeforeProgressWasRecorded_thenItHasPushedNothing() {
      UploadTask task = aStoredPendingTask();
      aws.clients()
          .dynamoDb()
          .updateItem(
              r ->
                  r.tableName(aws.settings().table())
                      .key(Map.of("id", AttributeValue.fromS(task.id().value())))
                      .updateExpression("REMOVE bytesPushed"));

      assertThat(store.find(task.id())).contains(task);
    }
  }

  @Nested
  class IdempotencyKeys {

    @Test
    void aGuardIsAnItemOfItsOwnInNoIndexHeldForTheWindow() throws Exception {
      String owner = anOwner();
      UploadTask task = aPendingTaskOf(owner, "web-1").withIdempotencyKey("k/ü 1");

      storeAt(NOW).create(task);

      assertThat(rawGuard(owner, "k/ü 1"))
          .as("the guard item")
          .containsOnlyKeys("id", "taskId", "expiresAt")
          .containsEntry("taskId", AttributeValue.fromS(task.id().value()))
          .containsEntry(
              "expiresAt",
              AttributeValue.fromN(
                  Long.toString(NOW.plus(TaskStore.IDEMPOTENCY_WINDOW).getEpochSecond())));
      assertThat(rawItem(task.id())).containsEntry("idempotencyKey", AttributeValue.fromS("k/ü 1"));
      assertThat(store.list(owner, TaskQuery.newest(10)).tasks())
          .as("the owner's listing: the task, not its guard")
          .containsExactly(task);
    }

    @Test
    void givenAGuardPastItsWindowThatTtlHasNotDeletedYet_thenTheKeyIsTakenOver() throws Exception {
      String owner = anOwner();
      UploadTask first = aPendingTaskOf(owner, "web-1").withIdempotencyKey("old");
      storeAt(NOW).create(first);
      Instant windowEnd = NOW.plus(TaskStore.IDEMPOTENCY_WINDOW);

      assertThat(storeAt(windowEnd).findByIdempotencyKey(owner, "old"))
          .as("at the end of the window")
          .contains(first);
      assertThatThrownBy(
              () ->
                  storeAt(windowEnd)
                      .create(aPendingTaskOf(owner, "web-1").withIdempotencyKey("old")))
          .isInstanceOf(IdempotencyKeyTakenException.class);

      Instant after = windowEnd.plusSeconds(1);
      assertThat(rawGuard(owner, "old")).as("the guard, still there").isNotEmpty();
      assertThat(storeAt(after).findByIdempotencyKey(owner, "old"))
          .as("a second after the window")
          .isEmpty();
      UploadTask second = aPendingTaskOf(owner, "web-1").withIdempotencyKey("old");
      storeAt(after).create(second);

      assertThat(rawGuard(owner, "old"))
          .containsEntry("taskId", AttributeValue.fromS(second.id().value()))
          .containsEntry(
              "expiresAt",
              AttributeValue.fromN(
                  Long.toString(after.plus(TaskStore.IDEMPOTENCY_WINDOW).getEpochSecond())));
      assertThat(storeAt(after).findByIdempotencyKey(owner, "old")).contains(second);
    }
  }

  @Nested
  class Table {

    @Test
    void theProvisionedTableHasTimeToLiveOnExpiresAt() {
      var ttl =
          aws.clients()
              .dynamoDb()
              .describeTimeToLive(r -> r.tableName(aws.settings().table()))
              .timeToLiveDescription();

      assertThat(ttl.attributeName()).isEqualTo(DynamoDbTaskStore.TTL_ATTRIBUTE);
      assertThat(ttl.timeToLiveStatus()).isIn(TimeToLiveStatus.ENABLED, TimeToLiveStatus.ENABLING);
    }

    @Test
    void theProvisionedTableHasTheOpenTasksOwnerAndUploadDeadlinesIndexes() {
      var indexes =
          aws.clients()
              .dynamoDb()
              .describeTable(r -> r.tableName(aws.settings().table()))
              .table()
              .globalSecondaryIndexes();

      assertThat(indexes)
          .hasSize(3)
          .anySatisfy(
              index -> {
                assertThat(index.indexName()).isEqualTo(DynamoDbTaskStore.UPLOAD_DEADLINES_INDEX);
                assertThat(index.keySchema())
                    .containsExactlyElementsOf(
                        DynamoDbTaskStore.uploadDeadlinesIndex().keySchema());
                assertThat(index.projection())
                    .isEqualTo(DynamoDbTaskStore.uploadDeadlinesIndex().projection());
              })
          .anySatisfy(
              index -> {
                assertThat(index.indexName()).isEqualTo(DynamoDbTaskStore.OPEN_TASKS_INDEX);
                assertThat(index.keySchema())
                    .containsExactlyElementsOf(DynamoDbTaskStore.openTasksIndex().keySchema());
              })
          .anySatisfy(
              index -> {
                assertThat(index.indexName()).isEqualTo(DynamoDbTaskStore.OWNER_INDEX);
                assertThat(index.keySchema())
                    .containsExactlyElementsOf(DynamoDbTaskStore.ownerIndex().keySchema());
              });
    }

    @Test
    void aTableFromBeforeTheOwnerAndDeadlineIndexesGetsThemAndFindsTheTasksAlreadyThere() {
      String oldTable = aws.settings().table() + "-before-owner-index";
      var dynamoDb = aws.clients().dynamoDb();
      var current = DynamoDbTaskStore.tableDefinition(oldTable);
      dynamoDb.createTable(
          current.toBuilder()
              .attributeDefinitions(
                  current.attributeDefinitions().stream()
                      .filter(
                          definition ->
                              !List.of("owner", "uploadExpiresAt")
                                  .contains(definition.attributeName()))
                      .toList())
              .globalSecondaryIndexes(DynamoDbTaskStore.openTasksIndex())
              .build());
      var oldStore = new DynamoDbTaskStore(dynamoDb, oldTable, RETENTION);
      UploadTask earlier = aPendingTask();
      oldStore.create(earlier);
      UploadTask awaiting =
          UploadTask.awaitingUpload(
              TaskId.newId(),
              "bob",
              Destination.of("web-1", "/srv/presigned.bin"),
              "uploads/presigned",
              5,
              earlier.sha256(),
              DirectUpload.singlePut(CREATED.plusSeconds(900)),
              CREATED);
      oldStore.create(awaiting);
      var settings = aws.settings();
      var old =
          new AwsSettings(
              settings.region(),
              settings.s3Endpoint(),
              settings.sqsEndpoint(),
              settings.dynamoDbEndpoint(),
              settings.bucket(),
              settings.queue(),
              settings.deadLetterQueue(),
              oldTable);
      try (var clients = aws.localAws().clients(old)) {
        new AwsProvisioner(clients).table();

        assertThat(
                dynamoDb.describeTable(r -> r.tableName(oldTable)).table().globalSecondaryIndexes())
            .as("indexes after provisioning")
            .extracting(index -> index.indexName())
            .containsExactlyInAnyOrder(
                DynamoDbTaskStore.OPEN_TASKS_INDEX,
                DynamoDbTaskStore.OWNER_INDEX,
                DynamoDbTaskStore.UPLOAD_DEADLINES_INDEX);
        assertThat(dynamoDb.describeTable(r -> r.tableName(oldTable)).table().streamSpecification())
            .as("the change stream task events are read from, turned on")
            .satisfies(
                stream -> {
                  assertThat(stream.streamEnabled()).isTrue();
                  assertThat(stream.streamViewTypeAsString()).isEqualTo("NEW_AND_OLD_IMAGES");
                });
        assertThat(oldStore.list(earlier.owner(), TaskQuery.newest(10)).tasks())
            .as("the task stored before the index existed")
            .containsExactly(earlier);
        assertThat(oldStore.findAwaitingUploads(Optional.empty(), 10))
            .as("the presigned upload stored before the deadline index existed")
            .containsExactly(AwaitingUpload.of(awaiting));
        new AwsProvisioner(clients).table();
      } finally {
        dynamoDb.deleteTable(r -> r.tableName(oldTable));
      }
    }

    @Test
    void provisioningAgainIsHarmless() {
      new AwsProvisioner(aws.clients()).table();
      new AwsProvisioner(aws.clients()).table();

      assertThat(
              aws.clients()
                  .dynamoDb()
                  .describeTimeToLive(r -> r.tableName(aws.settings().table()))
                  .timeToLiveDescription()
                  .attributeName())
          .isEqualTo(DynamoDbTaskStore.TTL_ATTRIBUTE);
    }

    @Test
    void aTableWithoutTheIndexIsReportedWithWhatToDo() {
      String oldTable = aws.settings().table() + "-old";
      var dynamoDb = aws.clients().dynamoDb();
      dynamoDb.createTable(
          r ->
              r.tableName(oldTable)
                  .attributeDefinitions(
                      AttributeDefinition.builder()
                          .attributeName("id")
                          .attributeType(ScalarAttributeType.S)
                          .build())
                  .keySchema(
                      KeySchemaElement.builder().attributeName("id").keyType(KeyType.HASH).build())
                  .billingMode(BillingMode.PAY_PER_REQUEST));
      var settings = aws.settings();
      var old =
          new AwsSettings(
              settings.region(),
              settings.s3Endpoint(),
              settings.sqsEndpoint(),
              settings.dynamoDbEndpoint(),
              settings.bucket(),
              settings.queue(),
              settings.deadLetterQueue(),
              oldTable);
      try (var clients = aws.localAws().clients(old)) {
        assertThatThrownBy(() -> new AwsProvisioner(clients).table())
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("has no index " + DynamoDbTaskStore.OPEN_TASKS_INDEX)
            .hasMessageContaining("uplink-data/dynamodb");
      } finally {
        dynamoDb.deleteTable(r -> r.tableName(oldTable));
      }
    }
  }

  private static Map<String, AttributeValue> rawItem(TaskId id) {
    return aws.clients()
        .dynamoDb()
        .getItem(
            r ->
                r.tableName(aws.settings().table())
                    .key(Map.of("id", AttributeValue.fromS(id.value())))
                    .consistentRead(true))
        .item();
  }

  /** The same behaviour scenarios the in-memory fake passes, here on DynamoDB Local. */
  @Nested
  class Contract extends TaskStoreContract {
    @Override
    protected TaskStore newStore(Clock clock) {
      return new DynamoDbTaskStore(
          aws.clients().dynamoDb(), aws.settings().table(), RETENTION, clock);
    }
  }
}
