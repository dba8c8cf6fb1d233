package dev.uplink.processor;

import static dev.uplink.processor.PushWorkerBuilder.aPushWorker;
import static dev.uplink.processor.PushWorkerBuilder.productionSettings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.domain.DependencyException;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.json.TaskMessage;
import dev.uplink.core.testing.InMemoryTaskStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.exception.SdkClientException;

class PushWorkerTest {

  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final Duration VISIBILITY = Duration.ofSeconds(60);

  private final InMemoryTaskStore tasks = new InMemoryTaskStore();
  private final InMemoryObjectStore objects = new InMemoryObjectStore();
  private final RecordingFileTarget target = new RecordingFileTarget();
  private final List<PushWorker> workers = new CopyOnWriteArrayList<>();
  private final WorkerSettings settings = productionSettings().withVisibilityTimeout(VISIBILITY);
  private final PushWorker worker = worker(settings);

  @AfterEach
  void closeWorkers() {
    workers.forEach(PushWorker::close);
  }

  @Nested
  class Claims {

    @Test
    void givenFreshPendingTask_whenProcessed_thenPushedOnceVerifiedDoneAndLeaseCleared() {
      UploadTask task = pending("/srv/app/hello.txt");

      Outcome outcome = worker.process(delivery(task, 1));

      assertThat(outcome).isEqualTo(Outcome.DONE);
      assertThat(outcome.deletesMessage()).isTrue();
      assertThat(target.pushes())
          .singleElement()
          .satisfies(
              push -> {
                assertThat(push.destination()).isEqualTo(task.destination());
                assertThat(new String(push.content(), StandardCharsets.UTF_8))
                    .isEqualTo("content of /srv/app/hello.txt");
              });
      UploadTask stored = stored(task);
      assertThat(stored.status()).isEqualTo(TaskStatus.DONE);
      assertThat(stored.attempts()).isEqualTo(1);
      assertThat(stored.leaseUntil()).isEmpty();
    }

    @Test
    void givenTaskUnderLiveLease_whenProcessed_thenPutBackForTheRestOfTheLeaseWithoutPush() {
      UploadTask task = pending("/srv/busy.txt");
      tasks.put(
          InMemoryTaskStore.with(
              task,
              TaskStatus.PROCESSING,
              1,
              Optional.empty(),
              Optional.of(NOW.plusSeconds(40)),
              NOW));

      Outcome outcome = worker.process(delivery(task, 2));

      assertThat(outcome.kind()).isEqualTo(Outcome.Kind.PUT_BACK);
      assertThat(outcome.deletesMessage()).isFalse();
      assertThat(outcome.visibility()).isBetween(Duration.ofSeconds(40), Duration.ofSeconds(42));
      assertThat(target.started()).isZero();
      assertThat(stored(task).attempts()).isEqualTo(1);
      assertThat(stored(task).status()).isEqualTo(TaskStatus.PROCESSING);
    }

    @Test
    void givenTaskUnderExpiredLease_whenProcessed_thenReclaimedWithNextAttemptAndPushed() {
      UploadTask task = pending("/srv/orphan.txt");
      tasks.put(
          InMemoryTaskStore.with(
              task,
              TaskStatus.PROCESSING,
              1,
              Optional.empty(),
              Optional.of(NOW.minusSeconds(1)),
              NOW.minusSeconds(61)));

      Outcome outcome = worker.process(delivery(task, 2));

      assertThat(outcome).isEqualTo(Outcome.DONE);
      assertThat(target.pushes()).hasSize(1);
      assertThat(stored(task).attempts()).isEqualTo(2);
      assertThat(stored(task).status()).isEqualTo(TaskStatus.DONE);
    }

    @ParameterizedTest
    @EnumSource(
        value = TaskStatus.class,
        names = {"DONE", "FAILED", "CANCELLED"})
    void givenFinishedTask_whenProcessed_thenMessageDroppedWithoutPush(TaskStatus status) {
      UploadTask task = pending("/srv/finished.txt");
      tasks.put(InMemoryTaskStore.with(task, status, 1, Optional.empty(), Optional.empty(), NOW));

      Outcome outcome = worker.process(delivery(task, 1));

      assertThat(outcome).isEqualTo(Outcome.DROP);
      assertThat(outcome.deletesMessage()).isTrue();
      assertThat(target.started()).isZero();
      assertThat(stored(task).status()).isEqualTo(status);
    }

    @Test
    void givenDoneTask_whenItsMessageIsDeliveredAgain_thenNoSecondPush() {
      UploadTask task = pending("/srv/once.txt");
      assertThat(worker.process(delivery(task, 1))).isEqualTo(Outcome.DONE);

      Outcome again = worker.process(delivery(task, 2));

      assertThat(again).isEqualTo(Outcome.DROP);
      assertThat(target.pushes()).hasSize(1);
      assertThat(stored(task).attempts()).isEqualTo(1);
    }

    @Test
    void givenMessageNamingNoTask_whenProcessed_thenDroppedWithoutPush() {
      Outcome outcome = worker.process(new Delivery("m", TaskMessage.bodyFor(TaskId.newId()), 1));

      assertThat(outcome).isEqualTo(Outcome.DROP);
      assertThat(target.started()).isZero();
    }

    @Test
    void givenTaskStoreUnreachableAtClaim_whenProcessed_thenRetryAfterBackoffAndTaskUntouched() {
      UploadTask task = pending("/srv/store-down.txt");
      tasks.failClaimsWith(
          new DependencyException(
              "DynamoDB table uplink",
              DependencyException.Reason.UNAVAILABLE,
              SdkClientException.create("Unable to execute HTTP request")));

      Outcome outcome = worker.process(delivery(task, 1));

      assertThat(outcome.kind()).isEqualTo(Outcome.Kind.RETRY_AFTER);
      assertThat(outcome.visibility()).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
      assertThat(stored(task).status()).isEqualTo(TaskStatus.PENDING);
      assertThat(target.started()).isZero();
    }
  }

  @Nested
  class PoisonMessages {

    @ParameterizedTest
    @ValueSource(strings = {"not json", "{\"not\":\"a task message\"}", "{\"task_id\":\"../x\"}"})
    void givenPoisonMessage_whenProcessed_thenLeftVisibleForTheDeadLetterQueueAndNothingPushed(
        String body) {
      Outcome outcome = worker.process(new Delivery("m", body, 1));

      assertThat(outcome.kind()).isEqualTo(Outcome.Kind.DEAD_LETTER);
      assertThat(outcome.deletesMessage()).isFalse();
      assertThat(outcome.visibility()).isZero();
      assertThat(target.started()).isZero();
    }

    @Test
    void givenNullBody_whenProcessed_thenDeadLetter() {
      assertThat(worker.process(new Delivery("m", null, 1)).kind())
          .isEqualTo(Outcome.Kind.DEAD_LETTER);
    }

    @Test
    void givenPoisonReceivedMoreOftenThanMaxReceiveCount_whenProcessed_thenHiddenForMaxBackoff() {
      Outcome outcome = worker.process(new Delivery("m", "garbage", 6));

      assertThat(outcome.kind()).isEqualTo(Outcome.Kind.DEAD_LETTER);
      assertThat(outcome.visibility())
          .as("the production policy's backoff cap")
          .isEqualTo(settings.retry().maxBackoff())
          .isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void givenLongPoisonBody_whenPreviewed_thenOnlyTheFirstHundredCharactersAreKept() {
      String preview = PushWorker.preview("a".repeat(5000));

      assertThat(preview).hasSizeLessThan(130).contains("5000 chars");
    }
  }

  @Nested
  class Failures {

    @Test
    void givenInstanceNotFound_whenProcessed_thenFailedAfterOneAttemptAndMessageDeleted() {
      UploadTask task = pending("/srv/nowhere.txt");
      target.failFor(
          "/srv/nowhere.txt",
          new InstanceNotFoundException(
              "app", "Incus has no instance \"app\": Instance not found"));

      Outcome outcome = worker.process(delivery(task, 1));

      assertThat(outcome).isEqualTo(Outcome.FAILED);
      assertThat(outcome.deletesMessage()).isTrue();
      UploadTask stored = stored(task);
      assertThat(stored.status()).isEqualTo(TaskStatus.FAILED);
      assertThat(stored.attempts()).isEqualTo(1);
      assertThat(stored.lastError())
          .contains(
              new TaskError(
                  TaskError.INSTANCE_NOT_FOUND,
                  "Incus has no instance \"app\": Instance not found"));
      assertThat(target.started()).isEqualTo(1);
    }

    @Test
    void givenObjectMissing_whenProcessed_thenFailedWithObjectMissingWithoutPush() {
      UploadTask task = pending("/srv/gone.txt");
      objects.delete(task.objectKey());

      Outcome outcome = worker.process(delivery(task, 1));

      assertThat(outcome).isEqualTo(Outcome.FAILED);
      assertThat(target.started()).isZero();
      assertThat(stored(task).status()).isEqualTo(TaskStatus.FAILED);
      assertThat(stored(task).lastError()).map(TaskError::code).contains(TaskError.OBJECT_MISSING);
    }

    @Test
    void givenTransientFailure_whenProcessed_thenPendingWithErrorAndRetryAfterJitteredBackoff() {
      UploadTask task = pending("/srv/later.txt");
      target.failFor("/srv/later.txt", new TargetUnavailableException("connection refused", null));

      Outcome outcome = worker.process(delivery(task, 3));

      assertThat(outcome.kind()).isEqualTo(Outcome.Kind.RETRY_AFTER);
      assertThat(outcome.visibility()).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(8));
      UploadTask stored = stored(task);
      assertThat(stored.status()).isEqualTo(TaskStatus.PENDING);
      assertThat(stored.attempts()).isEqualTo(1);
      assertThat(stored.leaseUntil()).isEmpty();
      assertThat(stored.lastError()).map(TaskError::code).contains(PushException.INCUS_UNAVAILABLE);
    }

    @Test
    void givenTransientFailureThenRecovery_whenRedelivered_thenSecondAttemptSucceeds() {
      UploadTask task = pending("/srv/flaky.txt");
      target.failFor("/srv/flaky.txt", new TargetUnavailableException("down", null));
      assertThat(worker.process(delivery(task, 1)).kind()).isEqualTo(Outcome.Kind.RETRY_AFTER);
      target.recover("/srv/flaky.txt");

      Outcome second = worker.process(delivery(task, 2));

      assertThat(second).isEqualTo(Outcome.DONE);
      assertThat(stored(task).attempts()).isEqualTo(2);
    }

    @Test
    void
        givenHostUnreachableOnTheLastAllowedReceive_thenFailedWithTheHostsErrorNotRetriesExhausted() {
      UploadTask task = pending("/srv/never.txt");
      target.failFor("/srv/never.txt", new TargetUnavailableException("Incus is down", null));

      Outcome outcome = worker.process(delivery(task, 5));

      assertThat(outcome.kind()).isEqualTo(Outcome.Kind.DEAD_LETTER);
      assertThat(outcome.deletesMessage()).isFalse();
      assertThat(outcome.visibility()).isZero();
      UploadTask stored = stored(task);
      assertThat(stored.status()).isEqualTo(TaskStatus.FAILED);
      assertThat(stored.lastError()).map(TaskError::code).contains(PushException.INCUS_UNAVAILABLE);
      assertThat(stored.lastError().orElseThrow().message())
          .startsWith("Incus is down")
          .contains("last receive the queue allows (5)");
    }

    @Test
    void givenTaskFailingOnItsOwnForTheLastAllowedTime_thenRetriesExhausted() {
      UploadTask task = pending("/srv/broken.txt");
      FileTarget broken = brokenTarget();
      PushWorker w = worker(settings, broken);
      for (int receive = 1; receive <= 4; receive++) {
        assertThat(w.process(delivery(task, receive)).kind())
            .as("receive %d", receive)
            .isEqualTo(Outcome.Kind.RETRY_AFTER);
      }

      Outcome outcome = w.process(delivery(task, 5));

      assertThat(outcome.kind()).isEqualTo(Outcome.Kind.DEAD_LETTER);
      assertThat(stored(task).lastError())
          .map(TaskError::code)
          .contains(TaskError.RETRIES_EXHAUSTED);
      assertThat(stored(task).lastError().orElseThrow().message()).startsWith("INTERNAL: ");
    }

    @Test
    void
        givenReceivesSpentWaitingForTheHost_whenTheTaskFailsOnItsOwnOnTheLastReceive_thenPendingForTheReconciler() {
      UploadTask task = pending("/srv/waited.txt");
      target.failFor("/srv/waited.txt", new TargetUnavailableException("refused", null));
      for (int receive = 1; receive <= 4; receive++) {
        worker.process(delivery(task, receive));
      }

      Outcome outcome = worker(settings, brokenTarget()).process(delivery(task, 5));

      assertThat(outcome)
          .as("the message goes; the task, which failed once on its own, is re-published later")
          .isEqualTo(Outcome.RELEASE);
      assertThat(outcome.deletesMessage()).isTrue();
      assertThat(stored(task).status()).isEqualTo(TaskStatus.PENDING);
      assertThat(stored(task).lastError()).map(TaskError::code).contains(TaskError.INTERNAL);
    }

    @Test
    void givenHostFailuresOnEarlierAttempts_thenTheyDoNotCountAgainstTheTask() {
      UploadTask task = pending("/srv/after-outage.txt");
      target.failFor("/srv/after-outage.txt", new TargetUnavailableException("refused", null));
      worker.process(delivery(task, 1));
      worker.process(delivery(task, 2));

      Outcome outcome = worker(settings, brokenTarget()).process(delivery(task, 3));

      assertThat(outcome.kind()).isEqualTo(Outcome.Kind.RETRY_AFTER);
      assertThat(outcome.visibility())
          .as("backoff of the task's first own failure: at most 2 s")
          .isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
    }

    private FileTarget brokenTarget() {
      return new FileTarget() {
        @Override
        public void push(PushRequest request) {
          throw new IllegalStateException("boom");
        }
      };
    }

    @Test
    void givenUnexpectedRuntimeException_whenProcessed_thenTransientInternalError() {
      UploadTask task = pending("/srv/boom.txt");
      FileTarget broken =
          new FileTarget() {
            @Override
            public void push(PushRequest request) {
              throw new IllegalStateException("boom");
            }
          };

      Outcome outcome = worker(settings, broken).process(delivery(task, 1));

      assertThat(outcome.kind()).isEqualTo(Outcome.Kind.RETRY_AFTER);
      UploadTask stored = stored(task);
      assertThat(stored.status()).isEqualTo(TaskStatus.PENDING);
      assertThat(stored.lastError()).map(TaskError::code).contains(TaskError.INTERNAL);
      assertThat(stored.lastError())
          .map(TaskError::message)
          .hasValueSatisfying(m -> assertThat(m).contains("boom"));
    }
  }

  @Nested
  class Integrity {

    @Test
    void givenStreamedBytesWithAnotherSha256_whenProcessed_thenFailedBeforeAnythingIsReplaced() {
      UploadTask task = pending("/srv/corrupt.txt");
      byte[] same = ("content of /srv/corrupt.txt").getBytes(StandardCharsets.UTF_8);
      same[0] = 'C'; // same size, other bytes
      objects.put(task.objectKey(), same);

      Outcome outcome = worker.process(delivery(task, 1));

      assertThat(outcome.kind()).isEqualTo(Outcome.Kind.FAILED);
      assertThat(target.pushes()).as("the target's check ran before the file was kept").isEmpty();
      assertThat(stored(task).status()).isEqualTo(TaskStatus.FAILED);
      assertThat(stored(task).lastError())
          .hasValueSatisfying(
              error -> {
                assertThat(error.code()).isEqualTo(TaskError.INTEGRITY_MISMATCH);
                assertThat(error.message()).contains("SHA-256").contains("nothing was replaced");
              });
    }

    @Test
    void givenTask_whenPushed_thenTheStagingNameIsTiedToTheTaskAndAttempt() {
      UploadTask task = pending("/srv/staged.txt");

      worker.process(delivery(task, 1));

      assertThat(target.stagingNames())
          .containsExactly(new StagingName(task.id().value(), 1).fileName());
    }

    @Test
    void givenStoredObjectOfAnotherSize_whenProcessed_thenIntegrityMismatchWithoutPush() {
      UploadTask task = pending("/srv/truncated.txt");
      objects.put(task.objectKey(), "short".getBytes(StandardCharsets.UTF_8));

      Outcome outcome = worker.process(delivery(task, 1));

      assertThat(outcome.kind()).isEqualTo(Outcome.Kind.FAILED);
      assertThat(target.started()).isZero();
      assertThat(stored(task).lastError())
          .map(TaskError::code)
          .contains(TaskError.INTEGRITY_MISMATCH);
    }
  }

  @Nested
  class Cleanup {

    @Test
    void givenDone_whenObjectsAreNotKept_thenTheObjectIsDeleted() {
      UploadTask task = pending("/srv/clean.txt");

      assertThat(worker.process(delivery(task, 1))).isEqualTo(Outcome.DONE);

      assertThat(objects.contains(task.objectKey())).isFalse();
    }

    @Test
    void givenDone_whenObjectsAreKept_thenTheObjectStays() {
      UploadTask task = pending("/srv/keep.txt");

      Outcome outcome = worker(settings.withKeepObjects(true)).process(delivery(task, 1));

      assertThat(outcome).isEqualTo(Outcome.DONE);
      assertThat(objects.contains(task.objectKey())).isTrue();
    }

    @Test
    void givenFailure_whenProcessed_thenTheObjectStays() {
      UploadTask task = pending("/srv/failing.txt");
      target.failFor("/srv/failing.txt", new InstanceNotFoundException("app", "no app"));

      worker.process(delivery(task, 1));

      assertThat(objects.contains(task.objectKey())).isTrue();
    }
  }

  @Nested
  class HeartbeatAndAborts {

    private final WorkerSettings shortVisibility =
        settings.withVisibilityTimeout(Duration.ofMillis(400));

    @Test
    void
        givenSlowPush_whenItRunsPastHalfTheVisibility_thenVisibilityAndLeaseAreExtendedRepeatedly() {
      UploadTask task = pending("/srv/slow.txt");
      target.delay(Duration.ofMillis(1_100));
      List<Duration> extensions = new CopyOnWriteArrayList<>();

      Outcome outcome =
          worker(shortVisibility)
              .process(delivery(task, 1), extensions::add, new AbortSignal(), Optional.empty());

      assertThat(outcome).isEqualTo(Outcome.DONE);
      assertThat(extensions)
          .hasSizeGreaterThanOrEqualTo(3)
          .allMatch(d -> d.equals(Duration.ofMillis(400)));
      assertThat(tasks.leaseExtensions()).hasSizeGreaterThanOrEqualTo(3);
      assertThat(stored(task).status()).isEqualTo(TaskStatus.DONE);
    }

    @Test
    void givenFastPush_whenProcessed_thenNoHeartbeat() {
      UploadTask task = pending("/srv/fast.txt");
      List<Duration> extensions = new CopyOnWriteArrayList<>();

      worker.process(delivery(task, 1), extensions::add, new AbortSignal(), Optional.empty());

      assertThat(extensions).isEmpty();
      assertThat(tasks.leaseExtensions()).isEmpty();
    }

    @Test
    void givenLeaseTakenOverDuringPush_whenHeartbeatIsRefused_thenPushAbortedAndMessagePutBack() {
      UploadTask task = pending("/srv/stolen.txt");
      target.delay(Duration.ofSeconds(10));
      PushWorker slow = worker(shortVisibility);
      Thread.ofVirtual()
          .start(
              () -> {
                awaitProcessing(task);
                // Another worker re-claims it (as after an expired lease): attempt 2.
                tasks.put(
                    InMemoryTaskStore.with(
                        stored(task),
                        TaskStatus.PROCESSING,
                        2,
                        Optional.empty(),
                        Optional.of(NOW.plusSeconds(60)),
                        NOW));
              });
      long started = System.nanoTime();

      Outcome outcome =
          slow.process(delivery(task, 1), d -> {}, new AbortSignal(), Optional.empty());

      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
      assertThat(outcome.kind()).isEqualTo(Outcome.Kind.PUT_BACK);
      assertThat(target.interrupted()).isEqualTo(1);
      assertThat(stored(task).attempts()).isEqualTo(2);
      assertThat(stored(task).status()).isEqualTo(TaskStatus.PROCESSING);
    }

    @Test
    void givenDeadlineDuringPush_whenCrossed_thenPushAbortedTaskReleasedWithoutErrorAndRetryNow() {
      UploadTask task = pending("/srv/too-long.txt");
      target.delay(Duration.ofSeconds(10));
      long started = System.nanoTime();

      Outcome outcome =
          worker.process(
              delivery(task, 1), d -> {}, new AbortSignal(), Optional.of(NOW.plusMillis(300)));

      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
      assertThat(outcome).isEqualTo(Outcome.retryAfter(Duration.ZERO));
      UploadTask stored = stored(task);
      assertThat(stored.status()).isEqualTo(TaskStatus.PENDING);
      assertThat(stored.lastError()).isEmpty();
      assertThat(stored.leaseUntil()).isEmpty();
      assertThat(target.interrupted()).isEqualTo(1);
    }

    @Test
    void givenShutdownAbortDuringPush_whenAborted_thenTaskReleasedWithoutErrorAndRetryNow() {
      UploadTask task = pending("/srv/shutdown.txt");
      target.delay(Duration.ofSeconds(10));
      AbortSignal abort = new AbortSignal();
      Thread.ofVirtual()
          .start(
              () -> {
                awaitProcessing(task);
                sleep(100);
                abort.abort(AbortSignal.Reason.SHUTDOWN);
              });

      Outcome outcome = worker.process(delivery(task, 1), d -> {}, abort, Optional.empty());

      assertThat(outcome).isEqualTo(Outcome.retryAfter(Duration.ZERO));
      assertThat(stored(task).status()).isEqualTo(TaskStatus.PENDING);
      assertThat(stored(task).lastError()).isEmpty();
    }

    @Test
    void givenAbortBeforeStart_whenProcessed_thenNothingClaimedAndRetryNow() {
      UploadTask task = pending("/srv/not-started.txt");
      AbortSignal abort = new AbortSignal();
      abort.abort(AbortSignal.Reason.SHUTDOWN);

      Outcome outcome = worker.process(delivery(task, 1), d -> {}, abort, Optional.empty());

      assertThat(outcome).isEqualTo(Outcome.retryAfter(Duration.ZERO));
      assertThat(stored(task).attempts()).isZero();
      assertThat(target.started()).isZero();
    }

    @Test
    void givenDeadlineAlreadyPassed_whenProcessed_thenNothingClaimed() {
      UploadTask task = pending("/srv/late.txt");

      Outcome outcome =
          worker.process(delivery(task, 1), d -> {}, new AbortSignal(), Optional.of(NOW));

      assertThat(outcome).isEqualTo(Outcome.retryAfter(Duration.ZERO));
      assertThat(stored(task).status()).isEqualTo(TaskStatus.PENDING);
    }

    private void awaitProcessing(UploadTask task) {
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (target.started() == 0 && System.nanoTime() < deadline) {
        sleep(10);
      }
    }
  }

  @Test
  void givenPerHostCapOfOne_whenPushesRunConcurrently_thenOneAtATime() throws Exception {
    PushWorker capped = worker(settings.withPerHostWorkers(1));
    target.delay(Duration.ofMillis(100));
    List<Thread> threads = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      UploadTask task = pending("/srv/host" + i + ".txt");
      threads.add(Thread.ofVirtual().start(() -> capped.process(delivery(task, 1))));
    }
    for (Thread t : threads) {
      t.join();
    }

    assertThat(target.pushes()).hasSize(4);
    assertThat(target.maxConcurrentPushes()).isEqualTo(1);
  }

  // --- helpers --------------------------------------------------------------------------------

  private PushWorker worker(WorkerSettings s) {
    return worker(s, target);
  }

  private PushWorker worker(WorkerSettings s, FileTarget t) {
    var w = aPushWorker().tasks(tasks).objects(objects).target(t).clock(CLOCK).settings(s).build();
    workers.add(w);
    return w;
  }

  private UploadTask pending(String path) {
    return Tasks.pending(tasks, objects, path, NOW);
  }

  private UploadTask stored(UploadTask task) {
    return tasks.find(task.id()).orElseThrow();
  }

  private static Delivery delivery(UploadTask task, int receiveCount) {
    return new Delivery("msg-" + task.id(), TaskMessage.bodyFor(task.id()), receiveCount);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
