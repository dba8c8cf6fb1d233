package dev.uplink.infra.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.infra.testing.ChildJvm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 3: "{@code incusd} stopped for 10 s during a run of 200 tasks: all end DONE, none FAILED,
 * none lost."
 *
 * <p>Stops the machine's real incusd (root only; skipped elsewhere, failed under {@code CI=true})
 * while uploads keep arriving and the poller keeps taking them, then starts it again. incusd is
 * restarted in a {@code finally} (and by a shutdown hook as a last resort), and {@code incus info}
 * is checked after, so later tests and CI find it running.
 */
@Tag("chaos")
@DisplayName("incusd stopped for 10 s during 200 tasks")
class IncusdOutageChaosIT {

  private static final int TASKS = 200;
  private static final int WARM_UP = 20;
  private static final int SIZE = 16 * 1024;
  private static final Duration OUTAGE = Duration.ofSeconds(10);

  /** Enough receives to outlast the outage with UPLINK_MAX_BACKOFF=5 s. */
  @RegisterExtension
  static final ChaosFixture chaos =
      ChaosFixture.withQueue(Duration.ofSeconds(5), 10).withPollerSetting("UPLINK_WORKERS", "8");

  private static Incusd incusd;
  private static ChaosStack stack;

  @BeforeAll
  static void start() {
    incusd = Incusd.require(chaos.incus().url());
    stack = chaos.stack();
  }

  /** Runs before the fixture closes the stack, as the stack's clean-up needs incusd. */
  @AfterAll
  static void stop() {
    if (incusd != null) {
      incusd.ensureRunning();
    }
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void givenIncusdDownFor10s_whenTasksKeepComing_thenAllEndDoneNoneFailedNoneLost()
      throws Exception {
    ChildJvm poller = stack.startPoller("only");
    long began = System.nanoTime();
    // A first wave runs with incusd up, so the poller is demonstrably live before the outage...
    Map<String, ChaosStack.Upload> uploads =
        new java.util.concurrent.ConcurrentHashMap<>(
            stack.uploadMany(
                WARM_UP, SIZE, 4, i -> "%s/outage/%03d.bin".formatted(stack.root(), i)));
    List<String> doneBeforeStop = new ArrayList<>();
    long warmUpEnd = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < warmUpEnd
        && PollerLog.matching(PollerLog.DONE, poller).size() < WARM_UP) {
      ChaosSupport.sleep(Duration.ofMillis(50));
    }
    doneBeforeStop.addAll(PollerLog.matching(PollerLog.DONE, poller));

    long stoppedAt;
    long restartedMillis;
    long stoppedPid;
    CompletableFuture<Map<String, ChaosStack.Upload>> uploading;
    try {
      stoppedPid = incusd.stop();
      stoppedAt = System.nanoTime();
      // ...and the rest arrives while it is down, so the outage always hits live work (on a fast
      // machine a single wave could finish before incusd even stopped).
      uploading =
          CompletableFuture.supplyAsync(
              () ->
                  stack.uploadMany(
                      TASKS - WARM_UP,
                      SIZE,
                      4,
                      i -> "%s/outage/%03d.bin".formatted(stack.root(), WARM_UP + i)));
      ChaosSupport.sleep(OUTAGE);
    } finally {
      long restartBegan = System.nanoTime();
      incusd.ensureRunning();
      restartedMillis = ChaosSupport.millisSince(restartBegan);
    }
    long downMillis = ChaosSupport.millisSince(stoppedAt) - restartedMillis;
    assertThat(Incusd.answers()).as("`incus info` after the restart").isTrue();

    uploads.putAll(uploading.get(2, TimeUnit.MINUTES));
    long uploadMillis = ChaosSupport.millisSince(began);
    Map<String, JsonNode> tasks = stack.awaitFinished(uploads.keySet(), Duration.ofMinutes(2));
    long totalMillis = ChaosSupport.millisSince(began);

    Map<String, Long> byStatus =
        tasks.values().stream()
            .collect(Collectors.groupingBy(t -> t.path("status").asText(), Collectors.counting()));
    Map<String, Integer> done = PollerLog.countPerTask(PollerLog.DONE, stack.pollers());
    long retried = tasks.values().stream().filter(t -> t.path("attempts").asInt() > 1).count();
    int maxAttempts =
        tasks.values().stream().mapToInt(t -> t.path("attempts").asInt()).max().orElse(0);
    long transientLines =
        poller.outputLines().stream()
            .filter(l -> l.contains("retrying in") || l.contains("message back in"))
            .count();

    for (ChaosStack.Upload upload : uploads.values()) {
      String id = upload.id();
      JsonNode task = tasks.get(id);
      String story = String.join("\n", PollerLog.linesAbout(id, stack.pollers()));
      assertThat(task.path("status").asText())
          .as("task %s: %s%n%s", id, task, story)
          .isEqualTo("DONE");
      assertThat(done.getOrDefault(id, 0)).as("DONE lines for %s%n%s", id, story).isEqualTo(1);
      assertThat(stack.readBack(upload.path()).hex())
          .as("content of %s", upload.path())
          .isEqualTo(upload.sha256());
    }
    assertThat(stack.namesIn(stack.root() + "/outage"))
        .as("staging files left once every task is DONE (pushes cut by the outage included)")
        .noneMatch(name -> name.startsWith(".uplink-"))
        .hasSize(TASKS);
    assertThat(uploads).as("tasks created").hasSize(TASKS);
    assertThat(retried)
        .as(
            "tasks that needed more than one attempt: the outage must have hit live work%n%s",
            poller.tail(40))
        .isPositive();
    assertThat(poller.isAlive()).as("the poller survived the outage: %s", poller.state()).isTrue();

    System.out.printf(
        Locale.ROOT,
        """

        === IncusdOutageChaosIT: %d tasks x 16 KiB, incusd (pid %d) down %d ms ===
          DONE before the stop: %d; restart took %d ms; uploads finished after %d ms
          all finished after %d ms: %s; lost %d
          tasks with attempts > 1: %d (max attempts %d); transient-failure log lines: %d
          DONE transitions: %d (duplicates %d)
        """,
        TASKS,
        stoppedPid,
        downMillis,
        doneBeforeStop.size(),
        restartedMillis,
        uploadMillis,
        totalMillis,
        byStatus,
        TASKS - byStatus.getOrDefault("DONE", 0L) - byStatus.getOrDefault("FAILED", 0L),
        retried,
        maxAttempts,
        transientLines,
        done.values().stream().mapToInt(Integer::intValue).sum(),
        done.values().stream().mapToInt(n -> Math.max(0, n - 1)).sum());
  }
}
