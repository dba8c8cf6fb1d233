package dev.uplink.processor.poller;

import static dev.uplink.processor.PushWorkerBuilder.aPushWorker;
import static dev.uplink.processor.PushWorkerBuilder.productionSettings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.config.ConfigException;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.json.TaskMessage;
import dev.uplink.core.testing.InMemoryTaskStore;
import dev.uplink.processor.FakeSqsClient;
import dev.uplink.processor.InMemoryObjectStore;
import dev.uplink.processor.PushWorker;
import dev.uplink.processor.RecordingFileTarget;
import dev.uplink.processor.TargetUnavailableException;
import dev.uplink.processor.Tasks;
import dev.uplink.processor.aws.SqsWorkQueue;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SqsPollerTest {

  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

  private final InMemoryTaskStore tasks = new InMemoryTaskStore();
  private final InMemoryObjectStore objects = new InMemoryObjectStore();
  private final FakeSqsClient sqs = new FakeSqsClient();
  private final List<PushWorker> workers = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeWorkers() {
    workers.forEach(PushWorker::close);
  }

  @Test
  void givenMessages_whenPolling_thenDeletedKeptOrBackedOffAsTheirOutcomesSay() throws Exception {
    var target =
        new RecordingFileTarget()
            .failFor("/srv/later.txt", new TargetUnavailableException("down", null));
    TaskId ok = task("/srv/ok.txt");
    TaskId later = task("/srv/later.txt");
    sqs.send("m-ok", TaskMessage.bodyFor(ok));
    sqs.send("m-later", TaskMessage.bodyFor(later), 2, null);
    sqs.send("m-unknown", TaskMessage.bodyFor(TaskId.newId()));
    sqs.send("m-poison", "not json");

    try (var poller = poller(target, 4, Duration.ofSeconds(5), false)) {
      poller.start();
      await(
          () ->
              sqs.deletedReceiptHandles().size() == 2
                  && sqs.visibilityChangesOf("rh-m-later").size() == 1
                  && sqs.visibilityChangesOf("rh-m-poison").size() == 1);
    }

    assertThat(sqs.deletedReceiptHandles()).containsExactlyInAnyOrder("rh-m-ok", "rh-m-unknown");
    assertThat(tasks.find(ok).orElseThrow().status()).isEqualTo(TaskStatus.DONE);
    assertThat(tasks.find(later).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
    assertThat(sqs.visibilityChangesOf("rh-m-later").get(0)).isBetween(1, 4);
    assertThat(sqs.visibilityChangesOf("rh-m-poison")).containsExactly(0);
  }

  @Test
  void givenReceive_whenPolling_thenReceiveCountAndGroupAttributesAreRequested() throws Exception {
    try (var poller = poller(new RecordingFileTarget(), 2, Duration.ofSeconds(5), false)) {
      poller.start();
      await(() -> !sqs.receives().isEmpty());
    }

    assertThat(sqs.receives().get(0).messageSystemAttributeNamesAsStrings())
        .contains("ApproximateReceiveCount", "MessageGroupId");
    assertThat(sqs.receives().get(0).visibilityTimeout()).isEqualTo(30);
  }

  @Test
  void givenTwoWorkers_whenManyMessagesArrive_thenAtMostTwoPushesRunAtOnce() throws Exception {
    var target = new RecordingFileTarget().delay(Duration.ofMillis(50));
    for (int i = 0; i < 8; i++) {
      sqs.send("m" + i, TaskMessage.bodyFor(task("/srv/f" + i)));
    }

    try (var poller = poller(target, 2, Duration.ofSeconds(5), false)) {
      poller.start();
      await(() -> sqs.deletedReceiptHandles().size() == 8);
    }

    assertThat(target.pushes()).hasSize(8);
    assertThat(target.maxConcurrentPushes()).isLessThanOrEqualTo(2);
    assertThat(sqs.requestedBatchSizes()).allSatisfy(n -> assertThat(n).isBetween(1, 2));
  }

  @Test
  void givenManyFreeWorkers_whenReceiving_thenAtMostTenMessagesAreAskedFor() throws Exception {
    try (var poller = poller(new RecordingFileTarget(), 50, Duration.ofSeconds(5), false)) {
      poller.start();
      await(() -> !sqs.requestedBatchSizes().isEmpty());
    }

    assertThat(sqs.requestedBatchSizes()).allSatisfy(n -> assertThat(n).isBetween(1, 10));
  }

  @Test
  void givenSqsFailsAtFirst_whenPolling_thenThePollerKeepsGoing() throws Exception {
    sqs.failNextReceives(2);
    TaskId id = task("/srv/after-outage.txt");
    sqs.send("m1", TaskMessage.bodyFor(id));

    try (var poller = poller(new RecordingFileTarget(), 1, Duration.ofSeconds(5), false)) {
      poller.start();
      await(() -> sqs.deletedReceiptHandles().contains("rh-m1"));
      assertThat(poller.isRunning()).isTrue();
    }

    assertThat(tasks.find(id).orElseThrow().status()).isEqualTo(TaskStatus.DONE);
  }

  @Test
  void givenPushInFlight_whenClosingWithinTheGrace_thenCloseLetsItFinish() throws Exception {
    var target = new RecordingFileTarget().delay(Duration.ofMillis(300));
    sqs.send("slow", TaskMessage.bodyFor(task("/srv/slow.txt")));

    var poller = poller(target, 1, Duration.ofSeconds(5), false);
    poller.start();
    await(() -> target.started() == 1);
    poller.close();

    assertThat(target.pushes()).hasSize(1);
    assertThat(sqs.deletedReceiptHandles()).containsExactly("rh-slow");
    assertThat(poller.isRunning()).isFalse();
  }

  @Test
  void givenPushOutlastingTheGrace_whenClosing_thenReturnsPromptlyAndGivesTheWorkBack()
      throws Exception {
    var target = new RecordingFileTarget().delay(Duration.ofSeconds(30));
    TaskId slow = task("/srv/very-slow.txt");
    sqs.send("very-slow", TaskMessage.bodyFor(slow));
    var poller = poller(target, 2, Duration.ofMillis(300), false);
    poller.start();
    await(() -> target.started() == 1);

    long started = System.nanoTime();
    poller.close();
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(took).isLessThan(Duration.ofSeconds(2));
    assertThat(poller.inFlight()).isZero();
    UploadTask task = tasks.find(slow).orElseThrow();
    assertThat(task.status()).isEqualTo(TaskStatus.PENDING);
    assertThat(task.lastError()).isEmpty();
    assertThat(task.leaseUntil()).isEmpty();
    assertThat(sqs.visibilityChangesOf("rh-very-slow")).containsExactly(0);
    assertThat(sqs.deletedReceiptHandles()).isEmpty();
  }

  @Test
  void givenLongPollInProgress_whenClosing_thenTheReceiveIsLetReturnNeverCutShort()
      throws Exception {
    var poller =
        new SqsPoller(
            new SqsWorkQueue(sqs, "http://sqs.local/q"),
            worker(new RecordingFileTarget()),
            new PollerSettings(
                2, Duration.ofSeconds(30), Duration.ofSeconds(2), Duration.ofSeconds(5), false));
    poller.start();
    await(() -> !sqs.receives().isEmpty());
    long receiving = System.nanoTime();

    poller.close();

    Duration took = Duration.ofNanos(System.nanoTime() - receiving);
    assertThat(sqs.interruptedReceives()).as("receives cut short").isZero();
    assertThat(took)
        .as("close waited for the 2 s long poll, and no longer")
        .isBetween(Duration.ofMillis(1_500), Duration.ofSeconds(4));
    assertThat(sqs.receives()).as("no receive begun after the stop").hasSize(1);
    assertThat(poller.isRunning()).isFalse();
  }

  @Test
  void givenMessageArrivingDuringTheStop_thenTheLastReceiveReleasesItAtOnceUnprocessed()
      throws Exception {
    var target = new RecordingFileTarget();
    TaskId id = task("/srv/arrived-late.txt");
    var poller =
        new SqsPoller(
            new SqsWorkQueue(sqs, "http://sqs.local/q"),
            worker(target),
            new PollerSettings(
                2, Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(5), false));
    poller.start();
    await(() -> !sqs.receives().isEmpty());

    Thread closing = Thread.ofVirtual().start(poller::close);
    Thread.sleep(200);
    sqs.send("m-late", TaskMessage.bodyFor(id));
    closing.join(5_000);

    assertThat(closing.isAlive())
        .as("close returned once the receive brought the message")
        .isFalse();
    assertThat(sqs.visibilityChangesOf("rh-m-late"))
        .as("the late message, visible again at once")
        .containsExactly(0);
    assertThat(sqs.visibilityBatchSizes()).as("released in one batch call").containsExactly(1);
    assertThat(target.started()).as("pushes").isZero();
    assertThat(tasks.find(id).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
    assertThat(tasks.find(id).orElseThrow().attempts()).as("not claimed").isZero();
    assertThat(sqs.interruptedReceives()).isZero();
  }

  @Test
  void givenEveryWorkerBusy_whenClosing_thenTheReceiverWaitingForASlotStopsAtOnce()
      throws Exception {
    var target = new RecordingFileTarget().delay(Duration.ofMillis(800));
    sqs.send("m-busy", TaskMessage.bodyFor(task("/srv/busy.txt")));
    var poller =
        new SqsPoller(
            new SqsWorkQueue(sqs, "http://sqs.local/q"),
            worker(target),
            new PollerSettings(
                1, Duration.ofSeconds(30), Duration.ofSeconds(20), Duration.ofSeconds(5), false));
    poller.start();
    await(() -> target.started() == 1);
    long started = System.nanoTime();

    poller.close();

    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .as("no receive was in flight: only the push is waited for")
        .isLessThan(Duration.ofSeconds(3));
    assertThat(sqs.deletedReceiptHandles()).containsExactly("rh-m-busy");
  }

  @Test
  void givenFifoQueue_whenOneGroupsMessagesArriveTogether_thenTheyRunInOrderOneAtATime()
      throws Exception {
    var target = new RecordingFileTarget().delay(Duration.ofMillis(30));
    for (int i = 0; i < 5; i++) {
      sqs.send("g" + i, TaskMessage.bodyFor(task("/srv/ordered" + i)), 1, "app");
    }

    try (var poller = poller(target, 10, Duration.ofSeconds(5), true)) {
      poller.start();
      await(() -> sqs.deletedReceiptHandles().size() == 5);
    }

    assertThat(target.pushes())
        .extracting(p -> p.destination().path())
        .containsExactly(
            "/srv/ordered0", "/srv/ordered1", "/srv/ordered2", "/srv/ordered3", "/srv/ordered4");
    assertThat(target.maxConcurrentPushes()).isEqualTo(1);
  }

  @Test
  void givenFifoQueue_whenAMessageIsKept_thenTheRestOfItsGroupGoesBackUnprocessed()
      throws Exception {
    var target =
        new RecordingFileTarget()
            .failFor("/srv/first", new TargetUnavailableException("down", null));
    sqs.send("f1", TaskMessage.bodyFor(task("/srv/first")), 1, "app");
    sqs.send("f2", TaskMessage.bodyFor(task("/srv/second")), 1, "app");

    try (var poller = poller(target, 10, Duration.ofSeconds(5), true)) {
      poller.start();
      await(() -> sqs.visibilityChangesOf("rh-f2").size() == 1);
    }

    assertThat(target.started()).isEqualTo(1);
    assertThat(sqs.visibilityChangesOf("rh-f2")).isEqualTo(sqs.visibilityChangesOf("rh-f1"));
    assertThat(sqs.deletedReceiptHandles()).isEmpty();
  }

  @Test
  void
      givenHostUnreachable_whenAMessageIsParked_thenItIsVisibleAgainAsSoonAsAProbeFindsTheHostBack()
          throws Exception {
    var target = new RecordingFileTarget().unreachable(true);
    sqs.send("m-wait", TaskMessage.bodyFor(task("/srv/wait.txt")));
    PushWorker ticking =
        aPushWorker()
            .tasks(tasks)
            .objects(objects)
            .target(target)
            .settings(productionSettings().withVisibilityTimeout(Duration.ofSeconds(30)))
            .build();
    workers.add(ticking);
    var poller =
        new SqsPoller(
            new SqsWorkQueue(sqs, "http://sqs.local/q"),
            ticking,
            new PollerSettings(
                2, Duration.ofSeconds(30), Duration.ZERO, Duration.ofSeconds(5), false));
    try (poller) {
      poller.start();
      await(() -> !sqs.visibilityChangesOf("rh-m-wait").isEmpty());
      assertThat(sqs.visibilityChangesOf("rh-m-wait"))
          .as("parked for the first hold")
          .containsExactly(300);
      assertThat(ticking.circuits().anyOpen()).isTrue();

      target.unreachable(false);
      await(() -> sqs.visibilityChangesOf("rh-m-wait").size() == 2);
    }

    assertThat(sqs.visibilityChangesOf("rh-m-wait"))
        .as("released at once when the timer's probe found the host back")
        .containsExactly(300, 0);
    assertThat(ticking.circuits().anyOpen()).isFalse();
  }

  @Test
  void givenAHostsCircuitOpen_thenTheReconcilerWaitsInsteadOfMultiplyingItsTasksMessages()
      throws Exception {
    var runs = new AtomicInteger();
    var target = new RecordingFileTarget().unreachable(true);
    PushWorker w = worker(target);
    w.circuits().failed("incus.test:8443", "refused");
    w.circuits().failed("incus.test:8443", "refused");
    w.circuits().failed("incus.test:8443", "refused");
    var poller =
        new SqsPoller(
                new SqsWorkQueue(sqs, "http://sqs.local/q"),
                w,
                new PollerSettings(
                    1, Duration.ofSeconds(30), Duration.ZERO, Duration.ofSeconds(5), false))
            .withReconciler(runs::incrementAndGet, Duration.ofMillis(50));
    try (poller) {
      poller.start();
      Thread.sleep(400);
      assertThat(runs.get()).as("passes while the circuit is open").isZero();
      w.circuits().succeeded("incus.test:8443");
      await(() -> runs.get() >= 1);
    }
  }

  @Test
  void givenReconciler_whenPolling_thenItRunsOnItsInterval() throws Exception {
    var runs = new AtomicInteger();
    var poller =
        poller(new RecordingFileTarget(), 1, Duration.ofSeconds(5), false)
            .withReconciler(runs::incrementAndGet, Duration.ofMillis(50));
    try (poller) {
      poller.start();
      await(() -> runs.get() >= 3);
    }
    int after = runs.get();
    Thread.sleep(150);

    assertThat(runs.get()).isEqualTo(after);
  }

  @Test
  void givenTheQueueDeadLettersAfterAnotherReceiveCount_whenStarting_thenRefusedBeforeAnyReceive() {
    sqs.redriveMaxReceiveCount(3);
    try (var poller = poller(new RecordingFileTarget(), 1, Duration.ZERO, false)) {

      assertThatThrownBy(poller::start)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("UPLINK_MAX_RECEIVE_COUNT is 5")
          .hasMessageContaining("after 3 receives");
      assertThat(sqs.receives()).isEmpty();
    }
  }

  @Test
  void givenTheQueueDeadLettersAfterTheSameReceiveCount_whenStarting_thenItPolls()
      throws Exception {
    sqs.redriveMaxReceiveCount(productionSettings().retry().maxReceiveCount());
    try (var poller = poller(new RecordingFileTarget(), 1, Duration.ZERO, false)) {
      poller.start();

      await(() -> !sqs.receives().isEmpty());
      assertThat(poller.isRunning()).isTrue();
    }
  }

  private SqsPoller poller(RecordingFileTarget target, int workers, Duration grace, boolean fifo) {
    return new SqsPoller(
        new SqsWorkQueue(sqs, "http://sqs.local/q"),
        worker(target),
        new PollerSettings(workers, Duration.ofSeconds(30), Duration.ZERO, grace, fifo));
  }

  private PushWorker worker(RecordingFileTarget target) {
    var worker =
        aPushWorker()
            .tasks(tasks)
            .objects(objects)
            .target(target)
            .clock(Clock.fixed(NOW, ZoneOffset.UTC))
            .settings(
                productionSettings()
                    .withVisibilityTimeout(Duration.ofSeconds(30))
                    .withPerHostWorkers(64))
            .build();
    workers.add(worker);
    return worker;
  }

  private TaskId task(String path) {
    return Tasks.pending(tasks, objects, path, NOW).id();
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 10 s");
      }
      Thread.sleep(10);
    }
  }
}
