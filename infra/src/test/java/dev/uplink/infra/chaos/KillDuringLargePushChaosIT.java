package dev.uplink.infra.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.infra.testing.ChildJvm;
import dev.uplink.infra.testing.TestFiles;
import dev.uplink.processor.incus.IncusTestEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * Issue 3: "{@code kill -9} of a poller process in the middle of a 200 MiB push: the task still
 * ends DONE, once, byte-identical." Issue 15: the file it replaces stays whole and in place while
 * the push runs and after the kill, and no staging file is left once the task is DONE.
 *
 * <p>Poller A (one worker) takes the task; as soon as its staging file holds part of the new bytes,
 * A gets SIGKILL. Poller B must finish it once the message and A's lease have expired. "Once" is
 * proven twice: by the pollers' own DONE lines, and by the renames into place seen on the host
 * ({@link IncusPushEvents}; A's cut push renames nothing).
 */
@Tag("chaos")
@DisplayName("kill -9 of a poller mid-push (200 MiB over an existing 1 MiB file)")
class KillDuringLargePushChaosIT {

  private static final long SIZE = 200L << 20;
  private static final int OLD_SIZE = 1 << 20;
  private static final Duration VISIBILITY = Duration.ofSeconds(8);

  @RegisterExtension
  static final ChaosFixture chaos =
      ChaosFixture.withQueue(VISIBILITY, 5)
          .withPollerSetting("UPLINK_WORKERS", "1")
          .watching("big");

  private static IncusTestEnvironment incus;
  private static ChaosStack stack;
  private static IncusPushEvents events;
  private static Path dir;

  @BeforeAll
  static void start() {
    incus = chaos.incus();
    stack = chaos.stack();
    events = chaos.events();
    dir = chaos.dir();
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void givenAPollerKilledMidPush_whenAnotherPollerTakesOver_thenTheOldFileStaysUntilTheNewIsDone()
      throws IOException {
    Path file = TestFiles.random(dir.resolve("big.bin"), SIZE);
    String sha256 = TestFiles.sha256(file);
    String path = stack.root() + "/big/two-hundred-mib.bin";
    byte[] old = TestFiles.randomBytes(OLD_SIZE);
    Path destinationOnHost = onHost(path);
    Files.write(destinationOnHost, old); // the file being replaced, put there outside Uplink
    events.awaitQuiet(Duration.ofMillis(500), Duration.ofSeconds(5));
    long createdBefore = events.pushesOf(path); // writing the old file counted as a creation

    ChildJvm a = stack.startPoller("A");
    long began = System.nanoTime();
    String id = stack.upload(path, file);
    long uploadMillis = ChaosSupport.millisSince(began);
    Path staging = onHost(stack.root() + "/big/.uplink-" + id + "-1.tmp");

    // Wait until A is pushing: the task is PROCESSING and its staging file holds part of the file.
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
      long size = sizeOf(staging);
      if (status.equals("PROCESSING") && size > 0 && size < SIZE) {
        bytesAtKill = size;
        break;
      }
      assertThat(Files.size(destinationOnHost))
          .as("the destination while A pushes: still the old file")
          .isEqualTo(OLD_SIZE);
      if (System.nanoTime() > deadline) {
        fail(
            "Task %s never showed a partial staging file; last status %s%n%s",
            id, status, a.tail(40));
      }
      ChaosSupport.sleep(Duration.ofMillis(15));
    }
    a.kill();
    long killedAt = System.nanoTime();
    String statusAfterKill = stack.status(id);

    assertThat(Files.readAllBytes(destinationOnHost))
        .as("the destination right after A died mid-push: the whole old file")
        .isEqualTo(old);
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
    assertThat(events.pushesOf(path) - createdBefore)
        .as("renames of %s into place seen on the host (A's push was cut off)", path)
        .isEqualTo(1);
    try (var names = Files.list(destinationOnHost.getParent())) {
      assertThat(names.map(p -> p.getFileName().toString()))
          .as("the directory once the task is DONE: no staging file left behind")
          .containsExactly("two-hundred-mib.bin");
    }

    long verifyBegan = System.nanoTime();
    TestFiles.Digest arrived = stack.readBack(path);
    long verifyMillis = ChaosSupport.millisSince(verifyBegan);
    assertThat(arrived.size()).as("size in Incus").isEqualTo(SIZE);
    assertThat(arrived.hex()).as("SHA-256 read back from Incus").isEqualTo(sha256);

    System.out.printf(
        Locale.ROOT,
        """

        === KillDuringLargePushChaosIT: 200 MiB over 1 MiB, SIGKILL mid-push ===
          task %s; upload %d ms; visibility timeout %s
          A killed with %d of %d bytes staged (%.0f%%); right after: status %s, old file whole
          kill -> DONE by B: %d ms; attempts %d
          DONE lines: A %d, B %d; renames into place seen on the host: %d; staging files left: 0
          read-back SHA-256 matches (%d ms)
        """,
        id,
        uploadMillis,
        VISIBILITY,
        bytesAtKill,
        SIZE,
        100.0 * bytesAtKill / SIZE,
        statusAfterKill,
        takeoverMillis,
        task.path("attempts").asInt(),
        PollerLog.countPerTask(PollerLog.DONE, List.of(a)).getOrDefault(id, 0),
        PollerLog.countPerTask(PollerLog.DONE, List.of(b)).getOrDefault(id, 0),
        events.pushesOf(path) - createdBefore,
        verifyMillis);
  }

  private static Path onHost(String path) {
    return incus
        .hostPath(path)
        .orElseThrow(() -> new IllegalStateException("the instance's rootfs is not readable"));
  }

  private static long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return -1;
    }
  }
}
