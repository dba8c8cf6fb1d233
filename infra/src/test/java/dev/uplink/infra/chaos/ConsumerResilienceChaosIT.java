package dev.uplink.infra.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.f4b6a3.ulid.UlidCreator;
import dev.uplink.infra.testing.ChildJvm;
import dev.uplink.infra.testing.TestFiles;
import java.net.http.HttpRequest.BodyPublishers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 3: "Poison messages and messages for unknown tasks: DLQ or dropped as specified; the
 * consumer keeps going" and "Unknown instance: FAILED with its reason after ONE attempt, not
 * maxReceiveCount attempts". One poller process serves both tests, so a consumer that stalls or
 * dies on the first one fails the second.
 */
@Tag("chaos")
@DisplayName("Poison messages, unknown tasks, unknown instances")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsumerResilienceChaosIT {

  private static final Duration VISIBILITY = Duration.ofSeconds(3);
  private static final int MAX_RECEIVES = 3;

  @RegisterExtension
  static final ChaosFixture chaos =
      ChaosFixture.withQueue(VISIBILITY, MAX_RECEIVES).withPollerSetting("UPLINK_WORKERS", "4");

  private static ChaosStack stack;
  private static ChildJvm poller;

  @BeforeAll
  static void start() {
    stack = chaos.stack();
    poller = stack.startPoller("only");
  }

  @Test
  @Order(1)
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void givenAnUnknownInstance_thenTheTaskFailsWithItsReasonAfterOneAttempt() {
    String instance = "chaos-no-such-" + TestFiles.randomSuffix();
    String id =
        stack.upload(instance, "/srv/nowhere.bin", BodyPublishers.ofByteArray(new byte[1024]));
    long began = System.nanoTime();
    JsonNode task = stack.awaitFinished(List.of(id), Duration.ofSeconds(45)).get(id);
    long millis = ChaosSupport.millisSince(began);
    String story = String.join("\n", PollerLog.linesAbout(id, stack.pollers()));

    assertThat(task.path("status").asText()).as("status: %s%n%s", task, story).isEqualTo("FAILED");
    assertThat(task.path("attempts").asInt()).as("attempts: %s%n%s", task, story).isEqualTo(1);
    assertThat(task.path("lastError").path("code").asText())
        .as("reason code: %s", task)
        .isEqualTo("INSTANCE_NOT_FOUND");
    assertThat(task.path("lastError").path("message").asText())
        .as("reason message: %s", task)
        .contains(instance);
    // The message is deleted, not left to churn through maxReceiveCount receives.
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (stack.messagesIn(chaos.queueUrl()) > 0 && System.nanoTime() < end) {
      ChaosSupport.sleep(Duration.ofMillis(200));
    }
    assertThat(stack.messagesIn(chaos.queueUrl())).as("work queue after FAILED").isZero();
    ChaosSupport.sleep(VISIBILITY.plusSeconds(1)); // a kept message would be back by now
    assertThat(stack.messagesIn(chaos.deadLetterQueueUrl())).as("DLQ").isZero();

    System.out.printf(
        Locale.ROOT,
        "%n=== ConsumerResilienceChaosIT: unknown instance -> %s %s after %d attempt(s) in %d ms ===%n",
        task.path("status").asText(),
        task.path("lastError"),
        task.path("attempts").asInt(),
        millis);
  }

  @Test
  @Order(2)
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void givenPoisonAndUnknownTaskMessages_thenPoisonIsDeadLetteredUnknownDroppedAndValidTasksDone() {
    List<String> poison =
        List.of(
            "this is not JSON {",
            "{\"foo\":\"bar\"}",
            "{\"task_id\":42}",
            "{\"task_id\":\"not-a-task-id\"}",
            "[\"" + UlidCreator.getMonotonicUlid() + "\"]");
    List<String> unknown = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      unknown.add("{\"task_id\":\"" + UlidCreator.getMonotonicUlid() + "\"}");
    }
    stack.sendRaw(poison.toArray(String[]::new));
    stack.sendRaw(unknown.toArray(String[]::new));

    // Valid work sent after the bad messages must still flow, promptly.
    long began = System.nanoTime();
    Map<String, ChaosStack.Upload> valid =
        stack.uploadMany(5, 16 * 1024, 2, i -> "%s/after-poison/%d.bin".formatted(stack.root(), i));
    Map<String, JsonNode> tasks = stack.awaitFinished(valid.keySet(), Duration.ofSeconds(30));
    long validMillis = ChaosSupport.millisSince(began);
    tasks.forEach(
        (id, task) ->
            assertThat(task.path("status").asText())
                .as("valid task %s: %s", id, task)
                .isEqualTo("DONE"));
    valid
        .values()
        .forEach(
            u ->
                assertThat(stack.readBack(u.path()).hex())
                    .as("content of %s", u.path())
                    .isEqualTo(u.sha256()));

    // The poison ends in the DLQ (after maxReceiveCount receives); unknown-task messages are
    // dropped.
    long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while ((stack.messagesIn(chaos.queueUrl()) > 0
            || stack.messagesIn(chaos.deadLetterQueueUrl()) < poison.size())
        && System.nanoTime() < end) {
      ChaosSupport.sleep(Duration.ofMillis(250));
    }
    long settledMillis = ChaosSupport.millisSince(began);
    assertThat(stack.messagesIn(chaos.queueUrl()))
        .as("work queue after the poison and unknown messages settled%n%s", poller.tail(40))
        .isZero();
    List<String> deadLetters = stack.drainDeadLetters(Duration.ofSeconds(3));
    assertThat(deadLetters)
        .as("dead-lettered bodies: the poison, and only the poison%n%s", poller.tail(40))
        .containsExactlyInAnyOrderElementsOf(poison);
    assertThat(poller.isAlive())
        .as("the poller survived: %s%n%s", poller.state(), poller.tail(40))
        .isTrue();
    assertThat(PollerLog.problems(poller, 20))
        .as("ERRORs or exceptions in the poller's log")
        .isEmpty();

    // And it still takes work after all that.
    Map<String, ChaosStack.Upload> more =
        stack.uploadMany(3, 1024, 1, i -> "%s/after-dlq/%d.bin".formatted(stack.root(), i));
    stack
        .awaitFinished(more.keySet(), Duration.ofSeconds(30))
        .forEach(
            (id, t) -> assertThat(t.path("status").asText()).as("task %s", id).isEqualTo("DONE"));

    System.out.printf(
        Locale.ROOT,
        """

        === ConsumerResilienceChaosIT: %d poison + %d unknown-task messages, then valid work ===
          5 valid tasks DONE %d ms after they were sent; queue settled after %d ms
          dead-lettered: %d (all poison); unknown-task messages dropped: %d; poller alive: %s
        """,
        poison.size(),
        unknown.size(),
        validMillis,
        settledMillis,
        deadLetters.size(),
        unknown.size(),
        poller.isAlive());
  }
}
