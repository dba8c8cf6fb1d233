package dev.uplink.processor;

import static dev.uplink.processor.PushWorkerBuilder.aPushWorker;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.DestinationPolicy;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskSealer;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.testing.InMemoryTaskStore;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What the worker does with a claimed task its {@link TaskGuard} refuses: FAILED for good, nothing
 * pushed, one security event logged.
 */
@DisplayName("PushWorker with a seal key and an allow-list")
class PushWorkerGuardTest {

  private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final String KEY = "k".repeat(32);
  private static final String OLD_KEY = "o".repeat(32);
  private static final TaskSealer SEALER = TaskSealer.of(KEY);

  private final InMemoryTaskStore tasks = new InMemoryTaskStore();
  private final InMemoryObjectStore objects = new InMemoryObjectStore();
  private final RecordingFileTarget target = new RecordingFileTarget();
  private final ListAppender<ILoggingEvent> events = new ListAppender<>();
  private final Logger securityLog = (Logger) LoggerFactory.getLogger(TaskGuard.LOGGER);
  private PushWorker worker;

  @BeforeEach
  void captureSecurityLog() {
    events.start();
    securityLog.addAppender(events);
  }

  @AfterEach
  void close() {
    securityLog.detachAppender(events);
    if (worker != null) {
      worker.close();
    }
  }

  private PushWorker worker(TaskGuard guard) {
    worker =
        aPushWorker()
            .tasks(tasks)
            .objects(objects)
            .target(target)
            .clock(CLOCK)
            .guard(guard)
            .build();
    return worker;
  }

  private PushWorker sealChecking() {
    return worker(
        new TaskGuard(Optional.of(TaskSealer.of(KEY, Optional.of(OLD_KEY))), Optional.empty()));
  }

  /** A PENDING task sealed with {@code sealer}, stored with its object. */
  private UploadTask sealedTask(TaskSealer sealer, String path) {
    UploadTask plain = Tasks.pending(tasks, objects, path, NOW);
    UploadTask sealed = sealer.seal(plain);
    tasks.put(sealed);
    return sealed;
  }

  /** What someone with write access to the table does: another destination, the seal kept. */
  private void rewriteDestination(UploadTask task, Destination to) {
    tasks.put(task.toBuilder().destination(to).build());
  }

  /** {@code task} with another destination (before it is sealed). */
  private static UploadTask moved(UploadTask task, Destination to) {
    return new UploadTask(
        task.id(),
        task.owner(),
        to,
        task.objectKey(),
        task.size(),
        task.sha256(),
        task.status(),
        task.attempts(),
        task.lastError(),
        task.leaseUntil(),
        task.createdAt(),
        task.updatedAt(),
        task.directUpload(),
        task.bytesPushed(),
        task.idempotencyKey(),
        task.timeline(),
        task.seal());
  }

  private static Delivery delivery(UploadTask task) {
    return new Delivery("m-" + task.id(), "{\"task_id\":\"" + task.id() + "\"}", 1);
  }

  private UploadTask stored(UploadTask task) {
    return tasks.find(task.id()).orElseThrow();
  }

  private void assertRefused(UploadTask task, Outcome outcome, String code) {
    assertThat(outcome).as("outcome").isEqualTo(Outcome.FAILED);
    assertThat(stored(task).status()).as("status").isEqualTo(TaskStatus.FAILED);
    assertThat(stored(task).lastError().map(TaskError::code)).as("last error").contains(code);
    assertThat(target.started()).as("pushes begun").isZero();
    assertThat(events.list)
        .as("security events")
        .singleElement()
        .satisfies(
            event -> {
              assertThat(event.getLevel()).isEqualTo(Level.ERROR);
              assertThat(event.getMarkerList()).contains(TaskGuard.SECURITY);
              assertThat(event.getFormattedMessage())
                  .startsWith("SECURITY: task " + task.id())
                  .doesNotContain(KEY);
            });
  }

  @Nested
  @DisplayName("seals")
  class Seals {

    @Test
    void givenSealedTaskAsAccepted_whenProcessed_thenPushedAndDone() {
      UploadTask task = sealedTask(SEALER, "/srv/ok.txt");

      Outcome outcome = sealChecking().process(delivery(task));

      assertThat(outcome).isEqualTo(Outcome.DONE);
      assertThat(target.pushes())
          .singleElement()
          .extracting(RecordingFileTarget.Push::destination)
          .isEqualTo(task.destination());
      assertThat(events.list).as("security events").isEmpty();
    }

    @Test
    void
        givenDestinationRewrittenInTheTable_whenProcessed_thenFailedTaskTamperedAndNothingPushed() {
      UploadTask task = sealedTask(SEALER, "/srv/ok.txt");
      rewriteDestination(task, new Destination("db-1", "/root/.ssh/authorized_keys", 0600, 0, 0));

      Outcome outcome = sealChecking().process(delivery(task));

      assertRefused(task, outcome, TaskError.TASK_TAMPERED);
      assertThat(events.list.get(0).getFormattedMessage())
          .as("the event names what the table holds now")
          .contains("db-1:/root/.ssh/authorized_keys");
    }

    @Test
    void givenUnsealedTask_whenProcessed_thenFailedTaskTampered() {
      UploadTask task = Tasks.pending(tasks, objects, "/srv/unsealed.txt", NOW);

      Outcome outcome = sealChecking().process(delivery(task));

      assertRefused(task, outcome, TaskError.TASK_TAMPERED);
      assertThat(stored(task).lastError().orElseThrow().message()).contains("carries no seal");
    }

    @Test
    void givenTaskSealedWithThePreviousKey_whenProcessed_thenPushedAndDone() {
      UploadTask task = sealedTask(TaskSealer.of(OLD_KEY), "/srv/before-rotation.txt");

      assertThat(sealChecking().process(delivery(task))).isEqualTo(Outcome.DONE);
      assertThat(target.pushes()).hasSize(1);
    }

    @Test
    void givenTaskSealedWithAnUnknownKey_whenProcessed_thenFailedTaskTampered() {
      UploadTask task = sealedTask(TaskSealer.of("x".repeat(32)), "/srv/foreign.txt");

      assertRefused(task, sealChecking().process(delivery(task)), TaskError.TASK_TAMPERED);
    }

    @Test
    void givenTamperedTaskDeliveredAgain_thenDroppedWithoutASecondEvent() {
      UploadTask task = sealedTask(SEALER, "/srv/ok.txt");
      rewriteDestination(task, Destination.of("app", "/etc/passwd"));
      PushWorker w = sealChecking();
      w.process(delivery(task));

      assertThat(w.process(delivery(task))).isEqualTo(Outcome.DROP);
      assertThat(events.list).hasSize(1);
    }

    @Test
    void givenNoSealKey_thenUnsealedTasksArePushedAsBefore() {
      UploadTask task = Tasks.pending(tasks, objects, "/srv/unsealed.txt", NOW);

      assertThat(worker(TaskGuard.none()).process(delivery(task))).isEqualTo(Outcome.DONE);
    }
  }

  @Nested
  @DisplayName("UPLINK_DESTINATIONS")
  class AllowList {

    private PushWorker allowing(String grants) {
      return worker(
          new TaskGuard(Optional.of(SEALER), Optional.of(DestinationPolicy.parse(grants))));
    }

    @Test
    void givenDestinationInsideTheList_thenPushed() {
      UploadTask task = sealedTask(SEALER, "/srv/app/ok.txt");

      assertThat(allowing("app:/srv/app/|db-*:/import/").process(delivery(task)))
          .isEqualTo(Outcome.DONE);
    }

    @Test
    void givenSealedTaskOutsideTheList_thenFailedDestinationNotAllowedAndNothingPushed() {
      UploadTask task = sealedTask(SEALER, "/etc/app.conf");

      Outcome outcome = allowing("app:/srv/app/").process(delivery(task));

      assertRefused(task, outcome, TaskError.DESTINATION_NOT_ALLOWED);
    }

    @Test
    @DisplayName("a task to another project than the list names is refused, the project named")
    void givenAProjectOutsideTheList_thenFailedDestinationNotAllowedNamingTheProject() {
      UploadTask plain = Tasks.pending(tasks, objects, "/srv/app/ok.txt", NOW);
      UploadTask task = SEALER.seal(moved(plain, plain.destination().on(null, "team-b")));
      tasks.put(task);

      assertRefused(
          task,
          allowing("team-a/app:/srv/app/").process(delivery(task)),
          TaskError.DESTINATION_NOT_ALLOWED);
      assertThat(stored(task).lastError().orElseThrow().message())
          .contains("team-b/app:/srv/app/ok.txt");
    }

    @Test
    @DisplayName("a task to the project the list names is pushed")
    void givenAProjectInsideTheList_thenPushed() {
      UploadTask plain = Tasks.pending(tasks, objects, "/srv/app/ok.txt", NOW);
      UploadTask task = SEALER.seal(moved(plain, plain.destination().on(null, "team-a")));
      tasks.put(task);

      assertThat(allowing("team-a/app:/srv/app/").process(delivery(task))).isEqualTo(Outcome.DONE);
    }

    @Test
    void givenInstanceOutsideTheList_thenFailedDestinationNotAllowed() {
      UploadTask task = sealedTask(SEALER, "/srv/app/ok.txt");

      assertRefused(
          task, allowing("web-*:/").process(delivery(task)), TaskError.DESTINATION_NOT_ALLOWED);
    }
  }

  @Nested
  @DisplayName("stored destinations the API would refuse today")
  class UndeliverableDestinations {

    @Test
    void givenAStoredModeWithASpecialBit_thenFailedInvalidDestinationAndNothingPushed() {
      UploadTask task = Tasks.pending(tasks, objects, "/srv/setuid.bin", NOW);
      rewriteDestination(task, new Destination("app", "/srv/setuid.bin", 04755, 0, 0));

      Outcome outcome = worker(TaskGuard.none()).process(delivery(task));

      assertThat(outcome).isEqualTo(Outcome.FAILED);
      assertThat(stored(task).lastError().orElseThrow())
          .satisfies(
              e -> {
                assertThat(e.code()).isEqualTo(TaskError.INVALID_DESTINATION);
                assertThat(e.message()).contains("setuid").contains("nothing was pushed");
              });
      assertThat(target.started()).as("pushes begun").isZero();
      assertThat(events.list).as("not a security event: the API once accepted it").isEmpty();
    }

    @Test
    void givenAStoredNameLongerThanLinuxTakes_thenFailedInvalidDestination() {
      UploadTask task = Tasks.pending(tasks, objects, "/srv/short.bin", NOW);
      rewriteDestination(task, new Destination("app", "/srv/" + "n".repeat(256), 0644, 0, 0));

      assertThat(worker(TaskGuard.none()).process(delivery(task))).isEqualTo(Outcome.FAILED);
      assertThat(stored(task).lastError().map(TaskError::code))
          .contains(TaskError.INVALID_DESTINATION);
      assertThat(target.started()).isZero();
    }
  }

  @Test
  void aRefusedTaskIsNotRetried() {
    UploadTask task = Tasks.pending(tasks, objects, "/srv/unsealed.txt", NOW);

    sealChecking().process(delivery(task));

    assertThat(stored(task).attempts()).as("one claim, no retry").isEqualTo(1);
  }
}
