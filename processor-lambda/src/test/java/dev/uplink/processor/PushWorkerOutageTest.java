package dev.uplink.processor;

import static dev.uplink.processor.PushWorkerBuilder.aPushWorker;
import static dev.uplink.processor.PushWorkerBuilder.productionSettings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.testing.InMemoryTaskStore;
import dev.uplink.core.testing.SettableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What the worker does while a target host is unreachable: its circuit opens, its tasks wait
 * unclaimed for long holds without using up their retries, a probe finds it back.
 */
@DisplayName("PushWorker while Incus is unreachable")
class PushWorkerOutageTest {

  private static final String HOST = "incus.test:8443";

  private final SettableClock clock = new SettableClock(Instant.parse("2026-12-07T10:00:00Z"));
  private final InMemoryTaskStore tasks = new InMemoryTaskStore();
  private final InMemoryObjectStore objects = new InMemoryObjectStore();
  private final RecordingFileTarget target = new RecordingFileTarget().unreachable(true);

  /** The documented defaults: 300 s visibility, 5 receives, 300 s backoff, 3 failures, 30 min. */
  private final WorkerSettings settings = productionSettings();

  private final PushWorker worker =
      aPushWorker()
          .tasks(tasks)
          .objects(objects)
          .target(target)
          .clock(clock)
          .settings(settings)
          .build();

  @AfterEach
  void close() {
    worker.close();
  }

  private UploadTask pending(String path) {
    return Tasks.pending(tasks, objects, path, clock.instant());
  }

  private UploadTask stored(UploadTask task) {
    return tasks.find(task.id()).orElseThrow();
  }

  private static Delivery delivery(UploadTask task, int receive) {
    return new Delivery(
        "m-" + task.id() + "-" + receive, "{\"task_id\":\"" + task.id() + "\"}", receive);
  }

  @Test
  void
      givenHostDown_whenALoneTaskFails_thenItsFailureIsConfirmedTheCircuitOpensAndTheMessageIsHeld() {
    UploadTask task = pending("/srv/a.txt");

    Outcome outcome = worker.process(delivery(task, 1));

    assertThat(outcome).isEqualTo(Outcome.parked(Duration.ofSeconds(300)));
    assertThat(target.probes()).as("probes confirming the host is down").isEqualTo(2);
    assertThat(worker.circuits().isOpen(HOST)).isTrue();
    assertThat(stored(task).status()).isEqualTo(TaskStatus.PENDING);
    assertThat(stored(task).lastError())
        .map(TaskError::code)
        .contains(PushException.INCUS_UNAVAILABLE);
  }

  @Test
  void givenCircuitOpen_whenAnotherTasksMessageArrives_thenPutBackUnclaimedForItsHold() {
    worker.process(delivery(pending("/srv/opens.txt"), 1));
    UploadTask waiting = pending("/srv/waits.txt");
    int pushesBefore = target.started();

    Outcome outcome = worker.process(delivery(waiting, 2));

    assertThat(outcome).isEqualTo(Outcome.parked(Duration.ofSeconds(600)));
    assertThat(outcome.deletesMessage()).isFalse();
    assertThat(target.started()).as("pushes").isEqualTo(pushesBefore);
    assertThat(stored(waiting).attempts()).as("not claimed").isZero();
    assertThat(stored(waiting).timeline()).as("untouched").isEqualTo(waiting.timeline());
  }

  @Test
  void
      givenProbeDueAndHostBack_whenAMessageArrives_thenTheProbeClosesTheCircuitAndTheTaskIsPushed() {
    worker.process(delivery(pending("/srv/opens.txt"), 1));
    UploadTask next = pending("/srv/next.txt");
    clock.advance(HostCircuits.FIRST_PROBE);
    target.unreachable(false);

    Outcome outcome = worker.process(delivery(next, 2));

    assertThat(outcome).isEqualTo(Outcome.DONE);
    assertThat(worker.circuits().isOpen(HOST)).isFalse();
  }

  @Test
  void givenProbeDueAndHostStillDown_whenAMessageArrives_thenHeldAndTheNextProbeLater() {
    worker.process(delivery(pending("/srv/opens.txt"), 1));
    UploadTask next = pending("/srv/next.txt");
    clock.advance(HostCircuits.FIRST_PROBE);
    int probes = target.probes();

    Outcome outcome = worker.process(delivery(next, 1));

    assertThat(outcome.kind()).isEqualTo(Outcome.Kind.PARKED);
    assertThat(target.probes()).isEqualTo(probes + 1);
    assertThat(worker.circuits().admit(HOST)).isEqualTo(HostCircuits.Admission.HOLD);
  }

  @Test
  void givenPollerTimer_whenTheHostIsBack_thenProbeOpenCircuitsClosesIt() {
    worker.process(delivery(pending("/srv/opens.txt"), 1));
    List<String> closed = new ArrayList<>();
    worker.circuits().onClose(closed::add);
    target.unreachable(false);

    worker.probeOpenCircuits();
    assertThat(closed).as("no probe before it is due").isEmpty();
    clock.advance(HostCircuits.FIRST_PROBE);
    worker.probeOpenCircuits();

    assertThat(closed).containsExactly(HOST);
  }

  @Test
  void givenCircuitOpenOnTheLastAllowedReceive_thenThePushIsTriedAnywayAndFailsWithTheHostsError() {
    worker.process(delivery(pending("/srv/opens.txt"), 1));
    UploadTask last = pending("/srv/last.txt");

    Outcome outcome = worker.process(delivery(last, 5));

    assertThat(outcome).isEqualTo(Outcome.deadLetter(Duration.ZERO));
    assertThat(stored(last).status()).isEqualTo(TaskStatus.FAILED);
    assertThat(stored(last).lastError())
        .map(TaskError::code)
        .contains(PushException.INCUS_UNAVAILABLE);
  }

  @Test
  void givenDefaults_whenTheHostIsDownForAnHour_thenNoTaskFailsAndEachIsDeliveredOnceItIsBack() {
    var waiting = List.of(pending("/srv/1.txt"), pending("/srv/2.txt"), pending("/srv/3.txt"));
    Instant down = clock.instant();
    Instant back = down.plus(Duration.ofHours(1));
    // Each message comes back after its hold, the queue counting every receive.
    int receive = 1;
    while (clock.instant().isBefore(back)) {
      Duration hold = Duration.ZERO;
      for (UploadTask task : waiting) {
        Outcome outcome = worker.process(delivery(task, receive));
        assertThat(outcome.kind())
            .as("receive %d of %s", receive, task.id())
            .isEqualTo(Outcome.Kind.PARKED);
        hold = outcome.visibility();
      }
      clock.advance(hold);
      receive++;
    }
    assertThat(receive)
        .as("the next receive")
        .isLessThanOrEqualTo(settings.retry().maxReceiveCount());
    target.unreachable(false);

    for (UploadTask task : waiting) {
      assertThat(worker.process(delivery(task, receive))).isEqualTo(Outcome.DONE);
    }
    assertThat(waiting).allSatisfy(t -> assertThat(stored(t).status()).isEqualTo(TaskStatus.DONE));
  }

  @Test
  void givenTheHostAnswersWithARefusal_thenItCountsAsReachableAndTheCircuitStaysClosed() {
    target.unreachable(false);
    target.failFor("/srv/no-instance.txt", new InstanceNotFoundException("app", "no instance app"));
    worker.circuits().failed(HOST, "refused");
    worker.circuits().failed(HOST, "refused");

    worker.process(delivery(pending("/srv/no-instance.txt"), 1));
    worker.circuits().failed(HOST, "refused");

    assertThat(worker.circuits().isOpen(HOST))
        .as("the refusal reset the count: 1 failure since")
        .isFalse();
  }
}
