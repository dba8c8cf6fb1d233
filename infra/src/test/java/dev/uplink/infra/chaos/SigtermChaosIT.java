package dev.uplink.infra.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.infra.testing.ChildJvm;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 3: "SIGTERM during load: exit 0 within the grace period; the remaining tasks complete after
 * restart." Also "release the rest (visibility 0, lease cleared) ... nothing is left PROCESSING":
 * right after the exit, no task may be PROCESSING.
 */
@Tag("chaos")
@DisplayName("SIGTERM during load")
class SigtermChaosIT {

  private static final int TASKS = 40;
  private static final int SIZE = 4 << 20;
  private static final Duration GRACE = Duration.ofSeconds(10);

  /** JVM start-up of the hooks, SDK clients closing: what the exit may take beyond the grace. */
  private static final Duration EXIT_SLACK = Duration.ofSeconds(5);

  @RegisterExtension
  static final ChaosFixture chaos =
      ChaosFixture.withQueue(Duration.ofSeconds(10), 5)
          .withPollerSetting("UPLINK_WORKERS", "4")
          .withPollerSetting("UPLINK_SHUTDOWN_GRACE", Long.toString(GRACE.toSeconds()))
          .watching("term");

  private static ChaosStack stack;
  private static IncusPushEvents events;

  @BeforeAll
  static void start() {
    stack = chaos.stack();
    events = chaos.events();
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void givenPushesInFlight_whenSigterm_thenExit0WithinGraceAndTheRestCompletesAfterRestart() {
    Map<String, ChaosStack.Upload> uploads =
        stack.uploadMany(TASKS, SIZE, 4, i -> "%s/term/%02d.bin".formatted(stack.root(), i));

    ChildJvm a = stack.startPoller("A");
    // Load: a few done, some in flight.
    long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    long doneBefore;
    long processing;
    while (true) {
      Map<String, JsonNode> now = stack.tasks(uploads.keySet());
      doneBefore = count(now, "DONE");
      processing = count(now, "PROCESSING");
      if (doneBefore >= 4 && processing > 0) {
        break;
      }
      assertThat(System.nanoTime()).as("waiting for load on A%n%s", a.tail(40)).isLessThan(end);
      ChaosSupport.sleep(Duration.ofMillis(20));
    }

    long termAt = System.nanoTime();
    OptionalInt exit = a.terminate(GRACE.plus(EXIT_SLACK));
    long exitMillis = ChaosSupport.millisSince(termAt);
    if (exit.isEmpty()) {
      a.kill();
    }
    Map<String, JsonNode> afterExit = stack.tasks(uploads.keySet());
    long doneAtExit = count(afterExit, "DONE");
    List<String> leftProcessing =
        afterExit.entrySet().stream()
            .filter(e -> e.getValue().path("status").asText().equals("PROCESSING"))
            .map(Map.Entry::getKey)
            .toList();

    assertThat(exit)
        .as(
            "exit code of A within grace %s + %s (SIGTERM -> exit took %d ms)%n%s",
            GRACE, EXIT_SLACK, exitMillis, a.tail(60))
        .hasValue(0);
    assertThat(leftProcessing)
        .as("tasks left PROCESSING after a graceful exit (must be released)%n%s", a.tail(60))
        .isEmpty();
    assertThat(doneAtExit).as("tasks DONE when A exited").isLessThan(TASKS);

    ChildJvm b = stack.startPoller("B");
    long restartAt = System.nanoTime();
    Map<String, JsonNode> tasks = stack.awaitFinished(uploads.keySet(), Duration.ofMinutes(2));
    long restMillis = ChaosSupport.millisSince(restartAt);
    events.awaitQuiet(Duration.ofSeconds(1), Duration.ofSeconds(5));

    Map<String, Integer> done = PollerLog.countPerTask(PollerLog.DONE, stack.pollers());
    for (ChaosStack.Upload upload : uploads.values()) {
      String id = upload.id();
      String story = String.join("\n", PollerLog.linesAbout(id, stack.pollers()));
      assertThat(tasks.get(id).path("status").asText())
          .as("task %s: %s%n%s", id, tasks.get(id), story)
          .isEqualTo("DONE");
      assertThat(done.getOrDefault(id, 0)).as("DONE lines for %s%n%s", id, story).isEqualTo(1);
      assertThat(events.pushesOf(upload.path()))
          .as("completed pushes of %s%n%s", upload.path(), story)
          .isEqualTo(1);
      assertThat(stack.readBack(upload.path()).hex())
          .as("content of %s", upload.path())
          .isEqualTo(upload.sha256());
    }
    int doneByA = PollerLog.matching(PollerLog.DONE, a).size();
    int doneByB = PollerLog.matching(PollerLog.DONE, b).size();
    assertThat(doneByB).as("tasks B completed after the restart").isPositive();

    System.out.printf(
        Locale.ROOT,
        """

        === SigtermChaosIT: %d tasks x 4 MiB, 4 workers, grace %s ===
          at SIGTERM: %d DONE, %d PROCESSING; SIGTERM -> exit %s in %d ms
          DONE when A exited: %d (finished in the grace period: %d); left PROCESSING: %d
          after restart: B completed %d in %d ms; DONE lines A %d + B %d = %d; duplicated pushes %d
          statuses after exit: %s
        """,
        TASKS,
        GRACE,
        doneBefore,
        processing,
        exit.isPresent() ? Integer.toString(exit.getAsInt()) : "none (killed)",
        exitMillis,
        doneAtExit,
        doneAtExit - doneBefore,
        leftProcessing.size(),
        doneByB,
        restMillis,
        doneByA,
        doneByB,
        doneByA + doneByB,
        uploads.values().stream().mapToLong(u -> Math.max(0, events.pushesOf(u.path()) - 1)).sum(),
        afterExit.values().stream()
            .collect(Collectors.groupingBy(t -> t.path("status").asText(), Collectors.counting())));
  }

  private static long count(Map<String, JsonNode> tasks, String status) {
    return tasks.values().stream().filter(t -> t.path("status").asText().equals(status)).count();
  }
}
