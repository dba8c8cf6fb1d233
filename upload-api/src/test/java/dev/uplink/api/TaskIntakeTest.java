package dev.uplink.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.api.fakes.Outage;
import dev.uplink.api.fakes.RecordingTaskQueue;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.DirectUpload;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.testing.InMemoryTaskStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The one way a task is recorded and handed to the processor, whatever the upload source. */
@DisplayName("The task intake")
class TaskIntakeTest {

  private static final Instant NOW = Instant.parse("2026-11-22T06:30:00.123Z");
  private static final Destination DESTINATION = Destination.of("web", "/srv/app/a.bin");
  private static final String SHA256 = "a".repeat(64);

  private final InMemoryTaskStore tasks = new InMemoryTaskStore();
  private final RecordingTaskQueue queue = new RecordingTaskQueue();
  private final TaskIntake intake =
      new TaskIntake(tasks, queue, Clock.fixed(NOW, ZoneOffset.UTC), Optional.empty());
  private final AtomicInteger discards = new AtomicInteger();

  private static UploadTask pending() {
    TaskId id = TaskId.newId();
    return UploadTask.pending(id, "alice", DESTINATION, ObjectKeys.of(id), 3, SHA256, NOW);
  }

  private static UploadTask awaiting() {
    TaskId id = TaskId.newId();
    return UploadTask.awaitingUpload(
        id,
        "alice",
        DESTINATION,
        ObjectKeys.of(id),
        3,
        SHA256,
        DirectUpload.singlePut(NOW.plus(Duration.ofHours(1))),
        NOW);
  }

  @Test
  void recordsATaskUnderItsKeyAndLeavesItsBytes() {
    UploadTask recorded =
        intake.record(pending(), Optional.of("k"), t -> true, discards::incrementAndGet);

    assertThat(tasks.all()).containsExactly(recorded);
    assertThat(recorded.idempotencyKey()).contains("k");
    assertThat(discards).hasValue(0);
  }

  @Test
  void givenTheKeyWasTakenConcurrently_answersTheWinnerAndDiscardsTheLosersBytes() {
    UploadTask first = intake.record(pending(), Optional.of("k"), t -> true, () -> {});

    UploadTask second =
        intake.record(pending(), Optional.of("k"), t -> true, discards::incrementAndGet);

    assertThat(second.id()).isEqualTo(first.id());
    assertThat(discards).hasValue(1);
  }

  @Test
  void givenTheStoreFails_discardsTheBytesAndNamesTheTaskStore() {
    tasks.failCreatesWith(Outage.of("DynamoDB is down"));

    assertThatThrownBy(
            () -> intake.record(pending(), Optional.empty(), t -> true, discards::incrementAndGet))
        .isInstanceOfSatisfying(
            DependencyFailedException.class,
            e -> assertThat(e.dependency()).isEqualTo("task store"));
    assertThat(discards).hasValue(1);
  }

  @Test
  void givenTheQueueFails_thePendingTaskStaysAndTheFailureNamesIt() {
    UploadTask recorded = intake.record(pending(), Optional.empty(), t -> true, () -> {});
    queue.failPublishesWith(Outage.of("SQS is down"));

    assertThatThrownBy(() -> intake.publish(recorded))
        .isInstanceOfSatisfying(
            DependencyFailedException.class,
            e -> assertThat(e.recordedTask()).contains(recorded.id()));
    assertThat(tasks.find(recorded.id()).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
  }

  @Test
  void ofTwoCompletersOnlyTheFirstPublishes() {
    UploadTask task = intake.record(awaiting(), Optional.empty(), t -> true, () -> {});

    UploadTask first = intake.markPendingAndPublish(task);
    UploadTask second = intake.markPendingAndPublish(task);

    assertThat(first.status()).isEqualTo(TaskStatus.PENDING);
    assertThat(second.status()).isEqualTo(TaskStatus.PENDING);
    assertThat(queue.published()).containsExactly(task.id());
  }

  @Test
  void aCancelledTaskIsNotCompleted() {
    UploadTask task = intake.record(awaiting(), Optional.empty(), t -> true, () -> {});
    tasks.transition(
        task.id(), TaskStatus.AWAITING_UPLOAD, TaskStatus.CANCELLED, Optional.empty(), NOW);

    assertThatThrownBy(() -> intake.markPendingAndPublish(task))
        .isInstanceOfSatisfying(
            RequestRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(RequestRejectedException.Reason.WRONG_STATUS));
    assertThat(queue.published()).isEmpty();
  }
}
