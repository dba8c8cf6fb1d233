package dev.uplink.infra.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.infra.testing.TestFiles;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 3: "The same message delivered twice, concurrently: exactly one push."
 *
 * <p>Every task's message is in the queue twice before any consumer runs: for half the tasks the
 * copy sits right behind the original (one receive batch takes both: two workers of one process
 * race), for the other half the copies come at the end (the two processes race). Two pollers with
 * four workers each start together. 8 MiB files keep each push long enough for the race to be real.
 * Exactly one push per task, proven by the renames into place seen on the host and by the pollers'
 * DONE lines.
 */
@Tag("chaos")
@DisplayName("The same message delivered twice, concurrently")
class DuplicateDeliveryChaosIT {

  private static final int TASKS = 12;
  private static final int SIZE = 8 << 20;
  private static final Duration VISIBILITY = Duration.ofSeconds(10);

  @RegisterExtension
  static final ChaosFixture chaos =
      ChaosFixture.withQueue(VISIBILITY, 5)
          .withPollerSetting("UPLINK_WORKERS", "4")
          .watching("dup");

  private static ChaosStack stack;
  private static IncusPushEvents events;

  @BeforeAll
  static void start() {
    stack = chaos.stack();
    events = chaos.events();
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void givenEveryMessageTwice_whenTwoPollersRace_thenEachTaskIsPushedExactlyOnce() {
    Map<String, ChaosStack.Upload> uploads = new java.util.LinkedHashMap<>();
    List<String> late = new ArrayList<>();
    for (int i = 0; i < TASKS; i++) {
      byte[] body = TestFiles.randomBytes(SIZE);
      String path = "%s/dup/file-%02d.bin".formatted(stack.root(), i);
      String id = stack.upload(path, body);
      uploads.put(id, new ChaosStack.Upload(id, path, TestFiles.sha256(body), SIZE));
      if (i % 2 == 0) {
        stack.sendRaw(message(id)); // right behind the API's own message
      } else {
        late.add(id);
      }
    }
    late.forEach(id -> stack.sendRaw(message(id)));
    assertThat(stack.messagesIn(chaos.queueUrl()))
        .as("messages queued before any consumer runs")
        .isEqualTo(2L * TASKS);

    long began = System.nanoTime();
    var a = stack.launchPoller("A", Map.of());
    var b = stack.launchPoller("B", Map.of());
    a.awaitOutput(PollerLog.READY, ChaosStack.STARTUP);
    b.awaitOutput(PollerLog.READY, ChaosStack.STARTUP);
    Map<String, JsonNode> tasks = stack.awaitFinished(uploads.keySet(), Duration.ofMinutes(2));
    long millis = ChaosSupport.millisSince(began);
    events.awaitQuiet(Duration.ofSeconds(1), Duration.ofSeconds(5));

    Map<String, Integer> done = PollerLog.countPerTask(PollerLog.DONE, stack.pollers());
    int doneByA = PollerLog.matching(PollerLog.DONE, a).size();
    int doneByB = PollerLog.matching(PollerLog.DONE, b).size();
    for (ChaosStack.Upload upload : uploads.values()) {
      String id = upload.id();
      String story = String.join("\n", PollerLog.linesAbout(id, stack.pollers()));
      JsonNode task = tasks.get(id);
      assertThat(task.path("status").asText())
          .as("status of %s: %s%n%s", id, task, story)
          .isEqualTo("DONE");
      assertThat(events.pushesOf(upload.path()))
          .as("completed pushes of %s (task %s) seen on the host%n%s", upload.path(), id, story)
          .isEqualTo(1);
      assertThat(done.getOrDefault(id, 0)).as("DONE lines for %s%n%s", id, story).isEqualTo(1);
      assertThat(task.path("attempts").asInt())
          .as("attempts of %s: the duplicate must not claim it again%n%s", id, story)
          .isEqualTo(1);
      TestFiles.Digest arrived = stack.readBack(upload.path());
      assertThat(arrived.hex())
          .as("SHA-256 of %s read back", upload.path())
          .isEqualTo(upload.sha256());
    }
    // Wait for the duplicates to be dropped (they come back after the lease, see DONE, go).
    long drainEnd = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (stack.messagesIn(chaos.queueUrl()) > 0 && System.nanoTime() < drainEnd) {
      ChaosSupport.sleep(Duration.ofMillis(250));
    }
    long left = stack.messagesIn(chaos.queueUrl());
    assertThat(left).as("messages left in the work queue (duplicates must be dropped)").isZero();
    assertThat(stack.messagesIn(chaos.deadLetterQueueUrl())).as("messages in the DLQ").isZero();

    System.out.printf(
        Locale.ROOT,
        """

        === DuplicateDeliveryChaosIT: %d tasks x 8 MiB, every message twice, 2 pollers x 4 workers ===
          all DONE in %d ms; DONE lines: A %d, B %d (total %d); pushes seen on the host: %d
          duplicates: pushes %d, DONE transitions %d; queue drained: %s
        """,
        TASKS,
        millis,
        doneByA,
        doneByB,
        done.values().stream().mapToInt(Integer::intValue).sum(),
        uploads.values().stream().mapToLong(u -> events.pushesOf(u.path())).sum(),
        uploads.values().stream().mapToLong(u -> Math.max(0, events.pushesOf(u.path()) - 1)).sum(),
        done.values().stream().mapToInt(n -> Math.max(0, n - 1)).sum(),
        left == 0);
  }

  private static String message(String id) {
    return "{\"task_id\":\"" + id + "\"}";
  }
}
