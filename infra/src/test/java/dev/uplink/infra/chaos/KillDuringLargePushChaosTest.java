package dev.uplink.infra.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.infra.testing.ChildJvm;
import dev.uplink.infra.testing.LocalAwsExtension;
import dev.uplink.infra.testing.TestFiles;
import dev.uplink.processor.incus.IncusTestEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3: "{@code kill -9} of a poller process in the middle of a 200 MiB push: the task still
 * ends DONE, once, byte-identical."
 *
 * <p>Poller A (one worker) takes the task; as soon as Incus shows part of the file, A gets SIGKILL.
 * Poller B must finish it once the message and A's lease have expired. "Once" is proven twice: by
 * the pollers' own DONE lines, and by incusd's {@code instance-file-pushed} events (A's cut push
 * emits none).
 */
@Tag("chaos")
@DisplayName("kill -9 of a poller mid-push (200 MiB)")
class KillDuringLargePushChaosTest {

  private static final long SIZE = 200L << 20;
  private static final Duration VISIBILITY = Duration.ofSeconds(8);

  @RegisterExtension static final LocalAwsExtension aws = LocalAwsExtension.create(VISIBILITY, 5);

  @TempDir static Path dir;

  private static ChaosStack stack;
  private static IncusPushEvents events;

  @BeforeAll
  static void start() {
    IncusTestEnvironment incus = IncusTestEnvironment.require();
    stack = new ChaosStack(aws, incus, dir, Map.of("UPLINK_WORKERS", "1"));
    events = new IncusPushEvents(incus).connect();
  }

  @AfterAll
  static void stop() {
    if (events != null) {
      events.close();
    }
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void givenAPollerKilledMidPush_whenAnotherPollerTakesOver_thenTheTaskEndsDoneOnceByteIdentical() {
    Path file = TestFiles.random(dir.resolve("big.bin"), SIZE);
    String sha256 = TestFiles.sha256(file);
    String path = stack.root() + "/big/two-hundred-mib.bin";

    ChildJvm a = stack.startPoller("A");
    long began = System.nanoTime();
    String id = stack.upload(path, file);
    long uploadMillis = ChaosSupport.millisSince(began);

    // Wait until A is pushing: the task is PROCESSING and Incus shows part of the file.
    long bytesAtKill = -1;
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (true) {
      String status = stack.status(id);
      if (status.equals("DONE") || status.equals("FAILED")) {
        fail(
            "Task %s became %s before poller A could be killed mid-push (the push was too fast to"
                + " catch: nothing was tested)%n%s",
            id, status, a.tail(40));
      }
      if (status.equals("PROCESSING")) {
        long size = stack.sizeInIncus(path);
        if (size > 0 && size < SIZE) {
          bytesAtKill = size;
          break;
        }
      }
      if (System.nanoTime() > deadline) {
        fail(
            "Task %s never showed a partial file in Incus; last status %s%n%s",
            id, status, a.tail(40));
      }
      ChaosSupport.sleep(Duration.ofMillis(15));
    }
    a.kill();
    long killedAt = System.nanoTime();
    String statusAfterKill = stack.status(id);
    long bytesAfterKill = stack.sizeInIncus(path);

    assertThat(PollerLog.countPerTask(PollerLog.DONE, List.of(a)).getOrDefault(id, 0))
        .as("DONE lines of the killed poller A for task %s%n%s", id, a.tail(40))
        .isZero();

    ChildJvm b = stack.startPoller("B");
    JsonNode task = stack.awaitFinished(List.of(id), Duration.ofMinutes(2)).get(id);
    long takeoverMillis = ChaosSupport.millisSince(killedAt);
    events.awaitQuiet(Duration.ofSeconds(1), Duration.ofSeconds(5));

    assertThat(task.path("status").asText())
        .as("status; task %s%n%s%n%s", task, a.tail(30), b.tail(60))
        .isEqualTo("DONE");
    assertThat(task.path("attempts").asInt())
        .as("attempts recorded (A's claim and B's); task %s", task)
        .isGreaterThanOrEqualTo(2);
    Map<String, Integer> doneLines = PollerLog.countPerTask(PollerLog.DONE, stack.pollers());
    assertThat(doneLines.getOrDefault(id, 0))
        .as(
            "DONE lines for %s across A and B%n%s",
            id, String.join("\n", PollerLog.linesAbout(id, stack.pollers())))
        .isEqualTo(1);
    assertThat(PollerLog.countPerTask(PollerLog.DONE, List.of(b)).getOrDefault(id, 0))
        .as("DONE lines of poller B")
        .isEqualTo(1);
    assertThat(events.pushesOf(path))
        .as("completed pushes of %s seen by incusd (A's was cut off)", path)
        .isEqualTo(1);

    long verifyBegan = System.nanoTime();
    TestFiles.Digest arrived = stack.readBack(path);
    long verifyMillis = ChaosSupport.millisSince(verifyBegan);
    assertThat(arrived.size()).as("size in Incus").isEqualTo(SIZE);
    assertThat(arrived.hex()).as("SHA-256 read back from Incus").isEqualTo(sha256);

    System.out.printf(
        Locale.ROOT,
        """

        === KillDuringLargePushChaosTest: 200 MiB, SIGKILL mid-push ===
          task %s; upload %d ms; visibility timeout %s
          A killed with %d of %d bytes in Incus (%.0f%%); right after: status %s, %d bytes in Incus
          kill -> DONE by B: %d ms; attempts %d
          DONE lines: A %d, B %d; completed pushes seen by incusd: %d
          read-back SHA-256 matches (%d ms)
        """,
        id,
        uploadMillis,
        VISIBILITY,
        bytesAtKill,
        SIZE,
        100.0 * bytesAtKill / SIZE,
        statusAfterKill,
        bytesAfterKill,
        takeoverMillis,
        task.path("attempts").asInt(),
        PollerLog.countPerTask(PollerLog.DONE, List.of(a)).getOrDefault(id, 0),
        PollerLog.countPerTask(PollerLog.DONE, List.of(b)).getOrDefault(id, 0),
        events.pushesOf(path),
        verifyMillis);
  }
}
