package dev.uplink.infra.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.aws.DynamoDbTaskStore;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.IllegalTaskTransitionException;
import dev.uplink.core.domain.TaskConflictException;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskNotFoundException;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.infra.testing.LocalAwsExtension;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

class DynamoDbTaskStoreTest {

  @RegisterExtension static final LocalAwsExtension aws = LocalAwsExtension.create();

  private static final Instant CREATED = Instant.parse("2026-11-22T10:15:30.123456789Z");
  private static DynamoDbTaskStore store;

  @BeforeAll
  static void createStore() {
    store = new DynamoDbTaskStore(aws.clients().dynamoDb(), aws.settings().table());
  }

  private static UploadTask aPendingTask() {
    return UploadTask.pending(
        TaskId.newId(),
        "alice",
        new Destination("web-1", "/srv/www/index.html", 0640, 1000, 1001),
        "uploads/" + TaskId.newId(),
        123_456_789_012L,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        CREATED);
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
    UploadTask claimed = store.claim(task.id(), CREATED.plusSeconds(1));
    return status == TaskStatus.PROCESSING
        ? claimed
        : store.transition(
            task.id(), TaskStatus.PROCESSING, status, Optional.empty(), CREATED.plusSeconds(2));
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
          new UploadTask(
              pending.id(),
              pending.owner(),
              Destination.of("db", "/var/lib/x"),
              pending.objectKey(),
              0,
              pending.sha256(),
              TaskStatus.FAILED,
              3,
              Optional.of(new TaskError(TaskError.INSTANCE_NOT_FOUND, "no instance db")),
              CREATED,
              CREATED.plusMillis(1));

      store.create(task);

      assertThat(store.find(task.id())).as("the stored task").contains(task);
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
    void givenPendingTask_whenClaimed_thenProcessingWithOneMoreAttempt() {
      UploadTask task = aStoredPendingTask();
      Instant now = CREATED.plus(5, ChronoUnit.MINUTES);

      UploadTask claimed = store.claim(task.id(), now);

      assertThat(claimed.status()).isEqualTo(TaskStatus.PROCESSING);
      assertThat(claimed.attempts()).isEqualTo(1);
      assertThat(claimed.updatedAt()).isEqualTo(now);
      assertThat(claimed.createdAt()).isEqualTo(task.createdAt());
      assertThat(store.find(task.id())).as("what is stored").contains(claimed);
    }

    @Test
    void givenReleasedTask_whenClaimedAgain_thenAttemptsKeepCounting() {
      UploadTask task = aStoredTaskIn(TaskStatus.PROCESSING);
      store.transition(
          task.id(),
          TaskStatus.PROCESSING,
          TaskStatus.PENDING,
          Optional.empty(),
          CREATED.plusSeconds(3));

      assertThat(store.claim(task.id(), CREATED.plusSeconds(4)).attempts()).isEqualTo(2);
    }

    @Test
    void givenPendingTask_whenClaimedTwice_thenSecondClaimConflictsCarryingProcessing() {
      UploadTask task = aStoredPendingTask();
      store.claim(task.id(), CREATED.plusSeconds(1));

      assertThatThrownBy(() -> store.claim(task.id(), CREATED.plusSeconds(2)))
          .isInstanceOfSatisfying(
              TaskConflictException.class,
              e ->
                  assertThat(e.current())
                      .as("the current record")
                      .hasValueSatisfying(
                          current -> {
                            assertThat(current.status()).isEqualTo(TaskStatus.PROCESSING);
                            assertThat(current.attempts()).isEqualTo(1);
                          }));
    }

    @Test
    void givenDoneTask_whenClaimed_thenConflictCarriesDoneAndNothingChanges() {
      UploadTask done = aStoredTaskIn(TaskStatus.DONE);

      assertThatThrownBy(() -> store.claim(done.id(), CREATED.plusSeconds(9)))
          .isInstanceOfSatisfying(
              TaskConflictException.class,
              e -> assertThat(e.current()).as("the current record").contains(done));
      assertThat(store.find(done.id())).contains(done);
    }

    @Test
    void givenNoSuchTask_whenClaimed_thenNotFoundAndNoItemIsCreated() {
      TaskId absent = TaskId.newId();

      assertThatThrownBy(() -> store.claim(absent, CREATED))
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
                return store.claim(task.id(), Instant.now());
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
    void givenProcessingTask_whenFailedWithError_thenCodeAndMessageAreRecorded() {
      UploadTask task = aStoredTaskIn(TaskStatus.PROCESSING);
      var error = new TaskError(TaskError.INSTANCE_NOT_FOUND, "Instance web-1 not found");
      Instant now = CREATED.plusSeconds(30);

      UploadTask failed =
          store.transition(
              task.id(), TaskStatus.PROCESSING, TaskStatus.FAILED, Optional.of(error), now);

      assertThat(failed.status()).isEqualTo(TaskStatus.FAILED);
      assertThat(failed.lastError()).contains(error);
      assertThat(failed.updatedAt()).isEqualTo(now);
      assertThat(failed.attempts()).as("a transition is not an attempt").isEqualTo(1);
      assertThat(store.find(task.id())).as("what is stored").contains(failed);
    }

    @Test
    void givenTaskWithError_whenReleasedWithoutError_thenTheLastErrorStaysAsHistory() {
      UploadTask task = aStoredTaskIn(TaskStatus.PROCESSING);
      var error = new TaskError(TaskError.INCUS_UNAVAILABLE, "connection refused");
      store.transition(
          task.id(),
          TaskStatus.PROCESSING,
          TaskStatus.PENDING,
          Optional.of(error),
          CREATED.plusSeconds(3));
      store.claim(task.id(), CREATED.plusSeconds(4));

      UploadTask done =
          store.transition(
              task.id(),
              TaskStatus.PROCESSING,
              TaskStatus.DONE,
              Optional.empty(),
              CREATED.plusSeconds(5));

      assertThat(done.status()).isEqualTo(TaskStatus.DONE);
      assertThat(done.lastError()).contains(error);
    }

    @Test
    void givenTaskNoLongerInExpectedStatus_whenTransitioned_thenConflictCarriesCurrent() {
      UploadTask task = aStoredPendingTask();

      assertThatThrownBy(
              () ->
                  store.transition(
                      task.id(),
                      TaskStatus.PROCESSING,
                      TaskStatus.DONE,
                      Optional.empty(),
                      CREATED.plusSeconds(1)))
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
                      TaskStatus.PROCESSING,
                      TaskStatus.DONE,
                      Optional.empty(),
                      CREATED.plusSeconds(1)))
          .isInstanceOf(TaskNotFoundException.class);
      assertThat(store.find(absent)).isEmpty();
    }
  }
}
