package dev.uplink.processor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskMessage;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PushWorkerTest {

  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
  private static final byte[] CONTENT = "hello, container\n".getBytes(StandardCharsets.UTF_8);

  private final InMemoryTaskStore tasks = new InMemoryTaskStore();
  private final InMemoryObjectStore objects = new InMemoryObjectStore();
  private final RecordingFileTarget target = new RecordingFileTarget();
  private final PushWorker worker =
      new PushWorker(tasks, objects, target, Clock.fixed(NOW, ZoneOffset.UTC));

  @Test
  void givenPendingTaskAndItsObject_whenProcessing_thenFileIsPushedAndTaskDone() {
    UploadTask task = pendingTask("/srv/app/hello.txt");

    Outcome outcome = worker.process(TaskMessage.bodyFor(task.id()));

    assertThat(outcome).isEqualTo(Outcome.DONE);
    assertThat(outcome.deletesMessage()).isTrue();
    assertThat(target.pushes())
        .singleElement()
        .satisfies(
            push -> {
              assertThat(push.destination()).isEqualTo(task.destination());
              assertThat(push.content()).isEqualTo(CONTENT);
            });
    UploadTask stored = tasks.find(task.id()).orElseThrow();
    assertThat(stored.status()).isEqualTo(TaskStatus.DONE);
    assertThat(stored.attempts()).isEqualTo(1);
  }

  @Test
  void givenPoisonMessage_whenProcessing_thenRetryForTheDeadLetterQueueAndNothingPushed() {
    Outcome outcome = worker.process("{\"not\":\"a task message\"}" + "x".repeat(500));

    assertThat(outcome).isEqualTo(Outcome.RETRY);
    assertThat(outcome.deletesMessage()).isFalse();
    assertThat(target.pushes()).isEmpty();
  }

  @Test
  void givenNullBody_whenProcessing_thenRetry() {
    assertThat(worker.process(null)).isEqualTo(Outcome.RETRY);
  }

  @Test
  void givenUnknownTask_whenProcessing_thenDrop() {
    Outcome outcome = worker.process(TaskMessage.bodyFor(TaskId.newId()));

    assertThat(outcome).isEqualTo(Outcome.DROP);
    assertThat(outcome.deletesMessage()).isTrue();
    assertThat(target.pushes()).isEmpty();
  }

  @Test
  void givenDoneTask_whenProcessingItsMessageAgain_thenDropWithoutSecondPush() {
    UploadTask task = pendingTask("/srv/once.txt");
    assertThat(worker.process(TaskMessage.bodyFor(task.id()))).isEqualTo(Outcome.DONE);

    Outcome again = worker.process(TaskMessage.bodyFor(task.id()));

    assertThat(again).isEqualTo(Outcome.DROP);
    assertThat(target.pushes()).hasSize(1);
    assertThat(tasks.find(task.id()).orElseThrow().attempts()).isEqualTo(1);
  }

  @Test
  void givenFailedTask_whenProcessing_thenDropWithoutPush() {
    UploadTask task = withStatus(pendingTask("/srv/failed.txt"), TaskStatus.FAILED);

    assertThat(worker.process(TaskMessage.bodyFor(task.id()))).isEqualTo(Outcome.DROP);
    assertThat(target.pushes()).isEmpty();
  }

  @Test
  void givenTaskProcessingElsewhere_whenProcessing_thenRetryWithoutPush() {
    UploadTask task = withStatus(pendingTask("/srv/busy.txt"), TaskStatus.PROCESSING);

    Outcome outcome = worker.process(TaskMessage.bodyFor(task.id()));

    assertThat(outcome).isEqualTo(Outcome.RETRY);
    assertThat(target.pushes()).isEmpty();
    assertThat(tasks.find(task.id()).orElseThrow().status()).isEqualTo(TaskStatus.PROCESSING);
  }

  @Test
  void givenObjectMissing_whenProcessing_thenTaskFailsWithObjectMissingAndMessageDropped() {
    UploadTask task = pendingTask("/srv/gone.txt");
    objects.delete(task.objectKey());

    Outcome outcome = worker.process(TaskMessage.bodyFor(task.id()));

    assertThat(outcome).isEqualTo(Outcome.DROP);
    assertThat(target.pushes()).isEmpty();
    UploadTask stored = tasks.find(task.id()).orElseThrow();
    assertThat(stored.status()).isEqualTo(TaskStatus.FAILED);
    assertThat(stored.lastError()).map(TaskError::code).contains(TaskError.OBJECT_MISSING);
  }

  @Test
  void givenPermanentPushError_whenProcessing_thenTaskFailsWithTheReasonAndMessageDeleted() {
    UploadTask task = pendingTask("/srv/nowhere.txt");
    target.failFor(
        "/srv/nowhere.txt",
        new InstanceNotFoundException("app", "Incus has no instance \"app\": Instance not found"));

    Outcome outcome = worker.process(TaskMessage.bodyFor(task.id()));

    assertThat(outcome).isEqualTo(Outcome.FAILED);
    assertThat(outcome.deletesMessage()).isTrue();
    UploadTask stored = tasks.find(task.id()).orElseThrow();
    assertThat(stored.status()).isEqualTo(TaskStatus.FAILED);
    assertThat(stored.lastError())
        .contains(
            new TaskError(
                TaskError.INSTANCE_NOT_FOUND, "Incus has no instance \"app\": Instance not found"));
  }

  @Test
  void givenTransientPushError_whenProcessing_thenTaskBackToPendingWithErrorAndRetry() {
    UploadTask task = pendingTask("/srv/later.txt");
    target.failFor(
        "/srv/later.txt", new TargetUnavailableException("Incus is unavailable: refused", null));

    Outcome outcome = worker.process(TaskMessage.bodyFor(task.id()));

    assertThat(outcome).isEqualTo(Outcome.RETRY);
    UploadTask stored = tasks.find(task.id()).orElseThrow();
    assertThat(stored.status()).isEqualTo(TaskStatus.PENDING);
    assertThat(stored.attempts()).isEqualTo(1);
    assertThat(stored.lastError()).map(TaskError::code).contains(TaskError.INCUS_UNAVAILABLE);
  }

  @Test
  void givenTransientPushErrorThenRecovery_whenRedelivered_thenSecondAttemptSucceeds() {
    var flaky = new RecordingFileTarget();
    var flakyWorker = new PushWorker(tasks, objects, flaky, Clock.fixed(NOW, ZoneOffset.UTC));
    UploadTask task = pendingTask("/srv/flaky.txt");
    flaky.failFor("/srv/flaky.txt", new TargetUnavailableException("down", null));
    assertThat(flakyWorker.process(TaskMessage.bodyFor(task.id()))).isEqualTo(Outcome.RETRY);

    Outcome second = worker.process(TaskMessage.bodyFor(task.id()));

    assertThat(second).isEqualTo(Outcome.DONE);
    assertThat(tasks.find(task.id()).orElseThrow().attempts()).isEqualTo(2);
  }

  @Test
  void givenUnexpectedRuntimeException_whenProcessing_thenTaskReleasedWithInternalErrorAndRetry() {
    UploadTask task = pendingTask("/srv/boom.txt");
    FileTarget broken =
        (destination, content, size) -> {
          throw new IllegalStateException("boom");
        };
    var brokenWorker = new PushWorker(tasks, objects, broken, Clock.fixed(NOW, ZoneOffset.UTC));

    Outcome outcome = brokenWorker.process(TaskMessage.bodyFor(task.id()));

    assertThat(outcome).isEqualTo(Outcome.RETRY);
    UploadTask stored = tasks.find(task.id()).orElseThrow();
    assertThat(stored.status()).isEqualTo(TaskStatus.PENDING);
    assertThat(stored.lastError()).map(TaskError::code).contains(TaskError.INTERNAL);
    assertThat(stored.lastError())
        .map(TaskError::message)
        .hasValueSatisfying(m -> assertThat(m).contains("boom"));
  }

  @Test
  void givenObjectOfAnotherSize_whenProcessing_thenTaskFailsWithoutPush() {
    UploadTask task = pendingTask("/srv/truncated.txt");
    objects.put(task.objectKey(), "short".getBytes(StandardCharsets.UTF_8));

    assertThat(worker.process(TaskMessage.bodyFor(task.id()))).isEqualTo(Outcome.FAILED);
    assertThat(target.pushes()).isEmpty();
  }

  @Test
  void givenLongPoisonBody_whenPreviewed_thenOnlyTheFirstHundredCharactersAreKept() {
    String preview = PushWorker.preview("a".repeat(5000));

    assertThat(preview).hasSizeLessThan(130).contains("5000 chars");
  }

  private UploadTask pendingTask(String path) {
    TaskId id = TaskId.newId();
    String key = "uploads/" + id;
    objects.put(key, CONTENT);
    UploadTask task =
        UploadTask.pending(
            id,
            "alice",
            new Destination("app", path, 0640, 1000, 1000),
            key,
            CONTENT.length,
            "0".repeat(64),
            NOW);
    tasks.create(task);
    return task;
  }

  private UploadTask withStatus(UploadTask task, TaskStatus status) {
    UploadTask changed =
        new UploadTask(
            task.id(),
            task.owner(),
            task.destination(),
            task.objectKey(),
            task.size(),
            task.sha256(),
            status,
            1,
            Optional.empty(),
            task.createdAt(),
            NOW);
    tasks.put(changed);
    return changed;
  }
}
