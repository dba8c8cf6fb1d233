package dev.uplink.infra.web;

import static dev.uplink.infra.testing.UplinkHttp.acceptedId;
import static dev.uplink.infra.testing.UplinkHttp.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.core.config.IncusSettings;
import dev.uplink.core.config.ProcessingSettings;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.DestinationPolicy;
import dev.uplink.infra.LocalPipeline;
import dev.uplink.infra.testing.LocalAwsExtension;
import dev.uplink.infra.testing.TestFiles;
import dev.uplink.infra.testing.UplinkHttp;
import dev.uplink.processor.incus.IncusClient;
import dev.uplink.processor.incus.IncusTestEnvironment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.Keys;

/**
 * An operator works the dead-letter queue from the web page, in a real headless Chromium against
 * the local stack: two uploads to an Incus host that does not answer use up their two attempts and
 * are dead-lettered (1 s visibility timeout, maxReceiveCount 2, as the template's redrive policy
 * sets it up); the stack comes back with the right Incus URL; on the page the operator sees both
 * queues' depths and each message's task, attempts and last error in words, redrives one message,
 * retries the other task by id, and finally redrives all (deleting the message of a task that is
 * DONE by then). Both files arrive in the real instance.
 *
 * <p>Skips without Chromium or incusd (fails instead under {@code CI=true}).
 */
@DisplayName("The web page: operators")
class WebOperatorsTest {

  private static final String USER = "key-web-bob";
  private static final String OPERATOR = "key-web-ops";

  @RegisterExtension
  static final LocalAwsExtension aws = LocalAwsExtension.create(Duration.ofSeconds(1), 2);

  private static LocalPipeline pipeline;
  private static Chromium chromium;

  @AfterAll
  static void stop() {
    try {
      if (chromium != null) {
        chromium.close();
      }
    } finally {
      if (pipeline != null) {
        pipeline.close();
      }
    }
  }

  @Test
  @DisplayName("dead letters are shown with their errors, redriven and retried until DONE")
  void anOperatorRedrivesAndRetriesFromThePage() throws Exception {
    IncusTestEnvironment incus = IncusTestEnvironment.require();
    chromium = Chromium.start();
    String root = "/srv/web-ops-" + TestFiles.randomSuffix();
    byte[] first = TestFiles.randomBytes(200_000);
    byte[] second = "retried from the page\n".getBytes(StandardCharsets.UTF_8);

    start(incus.unreachableSettings());
    String redriven = upload(incus.instance(), root + "/first.bin", first);
    String retried = upload(incus.instance(), root + "/second.txt", second);
    for (String id : List.of(redriven, retried)) {
      assertThat(awaitFinished(id).path("status").asText()).isEqualTo("FAILED");
    }
    awaitDeadLetters(2);

    // The operator fixes the cause: the stack comes back pointing at the right Incus host.
    pipeline.close();
    start(incus.settings());

    chromium.open(pipeline.baseUri() + "/");
    chromium.await("the sign-in form", driver -> chromium.byId("api-key").isDisplayed());
    chromium.byId("api-key").sendKeys(OPERATOR, Keys.ENTER);
    chromium.await(
        "the dead-letter queue",
        driver -> chromium.findAll("#dlq-rows tr").size() == 2 ? true : null);
    assertThat(chromium.text("#who-name")).isEqualTo("ops (operator)");
    assertThat(chromium.findAll("#nav a[data-view=upload]").get(0).isDisplayed())
        .as("an operator key uploads nothing")
        .isFalse();
    assertThat(chromium.text("#depth-dlq .big")).isEqualTo("2");
    assertThat(chromium.text("#depth-queue .big")).isEqualTo("0");
    String row = chromium.text("#dlq-rows tr[data-task-id='" + redriven + "']");
    assertThat(row)
        .contains(redriven, "bob", incus.instance() + ":" + root + "/first.bin", "2 (received")
        .contains("Incus could not be reached.", "cannot connect");
    chromium.screenshot("operators-dlq");
    chromium.windowSize(390, 844);
    assertThat(chromium.overflowingElements()).as("nothing wider than a phone's screen").isEmpty();
    chromium.screenshot("operators-phone");
    chromium.windowSize(1280, 1000);

    // Redrive the first message from its row.
    chromium.find("#dlq-rows tr[data-task-id='" + redriven + "'] button").click();
    String said = chromium.awaitText("#dlq-state", "Redrive done");
    assertThat(said).isEqualTo("Redrive done: 1 failed task queued again.");
    assertThat(chromium.findAll("#dlq-rows tr")).hasSize(1);

    // Retry the second task by id (its message stays dead-lettered).
    chromium.byId("retry-id").sendKeys(retried);
    chromium.find("#retry-form button[type=submit]").click();
    String result = chromium.awaitText("#retry-result", retried + " is queued again");
    assertThat(result).startsWith(retried + " is queued again (" + incus.instance() + ":");
    chromium.screenshot("operators-redriven");

    for (String id : List.of(redriven, retried)) {
      JsonNode task = awaitFinished(id);
      assertThat(task.path("status").asText()).as("task %s", id).isEqualTo("DONE");
      assertThat(task.path("timeline").findValuesAsText("reason"))
          .contains("retried by an operator");
    }
    try (var client = new IncusClient(incus.settings())) {
      assertThat(client.readFile(incus.instance(), root + "/first.bin")).isEqualTo(first);
      assertThat(client.readFile(incus.instance(), root + "/second.txt")).isEqualTo(second);
      client.delete(incus.instance(), root + "/first.bin");
      client.delete(incus.instance(), root + "/second.txt");
      client.delete(incus.instance(), root);
    }

    // The retried task's message is still there; its task is DONE: "Redrive all" deletes it.
    chromium.byId("dlq-refresh").click();
    chromium.await(
        "one message left", driver -> chromium.findAll("#dlq-rows tr").size() == 1 ? true : null);
    chromium.byId("dlq-redrive-all").click();
    chromium.await("the confirmation", driver -> chromium.byId("confirm").isDisplayed());
    chromium.screenshot("operators-confirm");
    chromium.byId("confirm-yes").click();
    said = chromium.awaitText("#dlq-state", "Redrive done");
    assertThat(said).contains("1 message of a finished task deleted");
    assertThat(chromium.findAll("#dlq-rows tr")).isEmpty();
    assertThat(chromium.text("#depth-dlq .big")).isEqualTo("0");
    chromium.assertNoPolicyViolationsOrErrors();
  }

  private static void start(IncusSettings incus) {
    UplinkConfig config =
        aws.config()
            .withIncus(Optional.of(incus))
            // An unreachable host holds its tasks' messages for a second, not minutes.
            .withProcessing(ProcessingSettings.defaults().withCircuit(3, Duration.ofSeconds(1)))
            .withCallers(
                Map.of(
                    USER,
                    new Caller("bob", DestinationPolicy.allowAll()),
                    OPERATOR,
                    Caller.operator("ops")));
    pipeline = LocalPipeline.start(config, aws.clients(), "127.0.0.1");
  }

  private static String upload(String instance, String path, byte[] content) {
    try (var http = new UplinkHttp(pipeline.baseUri())) {
      return acceptedId(
          http.uploadBytes(USER, query("container", instance, "path", path), content));
    }
  }

  private static JsonNode awaitFinished(String id) {
    try (var http = new UplinkHttp(pipeline.baseUri())) {
      return http.awaitFinished(USER, id, Duration.ofSeconds(60));
    }
  }

  private static void awaitDeadLetters(int count) {
    try (var http = new UplinkHttp(pipeline.baseUri())) {
      http.awaitDeadLetters(OPERATOR, count);
    }
  }
}
