package dev.uplink.processor.poller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskMessage;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.processor.InMemoryObjectStore;
import dev.uplink.processor.InMemoryTaskStore;
import dev.uplink.processor.PushWorker;
import dev.uplink.processor.RecordingFileTarget;
import dev.uplink.processor.TargetUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class SqsPollerTest {

  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

  private final InMemoryTaskStore tasks = new InMemoryTaskStore();
  private final InMemoryObjectStore objects = new InMemoryObjectStore();
  private final FakeSqsClient sqs = new FakeSqsClient();

  @Test
  void givenMessages_whenPolling_thenDoneAndDroppedAreDeletedAndRetriesAreKept() throws Exception {
    var target =
        new RecordingFileTarget()
            .failFor("/srv/later.txt", new TargetUnavailableException("down", null));
    TaskId ok = task("/srv/ok.txt");
    TaskId later = task("/srv/later.txt");
    sqs.send("m-ok", TaskMessage.bodyFor(ok));
    sqs.send("m-later", TaskMessage.bodyFor(later));
    sqs.send("m-unknown", TaskMessage.bodyFor(TaskId.newId()));
    sqs.send("m-poison", "not json");

    try (var poller = poller(target, 4)) {
      poller.start();
      await(
          () ->
              sqs.deletedReceiptHandles().size() == 2
                  && tasks.find(later).orElseThrow().status() == TaskStatus.PENDING
                  && tasks.find(later).orElseThrow().attempts() == 1);
    }

    assertThat(sqs.deletedReceiptHandles()).containsExactlyInAnyOrder("rh-m-ok", "rh-m-unknown");
    assertThat(tasks.find(ok).orElseThrow().status()).isEqualTo(TaskStatus.DONE);
  }

  @Test
  void givenTwoWorkers_whenManyMessagesArrive_thenAtMostTwoPushesRunAtOnce() throws Exception {
    var target = new RecordingFileTarget().delay(Duration.ofMillis(50));
    for (int i = 0; i < 8; i++) {
      sqs.send("m" + i, TaskMessage.bodyFor(task("/srv/f" + i)));
    }

    try (var poller = poller(target, 2)) {
      poller.start();
      await(() -> sqs.deletedReceiptHandles().size() == 8);
    }

    assertThat(target.pushes()).hasSize(8);
    assertThat(target.maxConcurrentPushes()).isLessThanOrEqualTo(2);
    assertThat(sqs.requestedBatchSizes()).allSatisfy(n -> assertThat(n).isBetween(1, 2));
  }

  @Test
  void givenManyFreeWorkers_whenReceiving_thenAtMostTenMessagesAreAskedFor() throws Exception {
    try (var poller = poller(new RecordingFileTarget(), 50)) {
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

    try (var poller = poller(new RecordingFileTarget(), 1)) {
      poller.start();
      await(() -> sqs.deletedReceiptHandles().contains("rh-m1"));
      assertThat(poller.isRunning()).isTrue();
    }

    assertThat(tasks.find(id).orElseThrow().status()).isEqualTo(TaskStatus.DONE);
  }

  @Test
  void givenPushInFlight_whenClosing_thenCloseWaitsForIt() throws Exception {
    var target = new RecordingFileTarget().delay(Duration.ofMillis(300));
    sqs.send("slow", TaskMessage.bodyFor(task("/srv/slow.txt")));

    var poller = poller(target, 1);
    poller.start();
    await(() -> sqs.isEmpty());
    poller.close();

    assertThat(target.pushes()).hasSize(1);
    assertThat(sqs.deletedReceiptHandles()).containsExactly("rh-slow");
    assertThat(poller.isRunning()).isFalse();
  }

  private SqsPoller poller(RecordingFileTarget target, int workers) {
    var worker = new PushWorker(tasks, objects, target, Clock.fixed(NOW, java.time.ZoneOffset.UTC));
    return new SqsPoller(
        sqs,
        "http://sqs.local/q",
        worker,
        workers,
        Duration.ofSeconds(30),
        Duration.ZERO,
        Duration.ofSeconds(5));
  }

  private TaskId task(String path) {
    TaskId id = TaskId.newId();
    byte[] content = path.getBytes();
    objects.put("k/" + id, content);
    tasks.create(
        UploadTask.pending(
            id,
            "alice",
            Destination.of("app", path),
            "k/" + id,
            content.length,
            "0".repeat(64),
            NOW));
    return id;
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
