package dev.uplink.infra.pipeline;

import static dev.uplink.infra.testing.UplinkHttp.acceptedId;
import static dev.uplink.infra.testing.UplinkHttp.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operators' HTTP endpoints on the real emulators and a real incusd: uploads to an Incus host
 * that does not answer outlast the queue's receives and land in the dead-letter queue (ElasticMQ's
 * redrive policy, from the template); the operator lists them with their last error, fixes the
 * cause (the stack comes back with the right Incus URL), and sends them through again by redrive
 * and by retry.
 */
@DisplayName("The operators' API on the emulators")
class OperatorApiTest {

  private static final String USER = "key-alice";
  private static final String OPERATOR = "key-ops";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @RegisterExtension
  static final LocalAwsExtension aws = LocalAwsExtension.create(Duration.ofSeconds(1), 2);

  private static LocalPipeline pipeline;
  private static UplinkHttp http;

  @AfterAll
  static void stop() {
    close();
  }

  @Test
  @DisplayName("dead-lettered uploads are listed, redriven and retried until they are DONE")
  void deadLetteredUploadsAreListedRedrivenAndRetriedUntilDone() throws Exception {
    IncusTestEnvironment incus = IncusTestEnvironment.require();
    String root = "/srv/ops-" + TestFiles.randomSuffix();
    byte[] first = new byte[300_000];
    new Random(1).nextBytes(first);
    byte[] second = "second file\n".getBytes(StandardCharsets.UTF_8);

    start(incus.unreachableSettings());
    String redriven = upload(root + "/first.txt", first);
    String retried = upload(root + "/second.txt", second);
    for (String id : List.of(redriven, retried)) {
      JsonNode task = http.awaitFinished(USER, id, Duration.ofSeconds(60));
      assertThat(task.path("status").asText()).isEqualTo("FAILED");
      assertThat(task.path("lastError").path("code").asText())
          .as("the host's error, not RETRIES_EXHAUSTED: the task never reached a working host")
          .isEqualTo("INCUS_UNAVAILABLE");
    }
    JsonNode listing = http.awaitDeadLetters(OPERATOR, 2);
    assertThat(listing.path("messages").findValuesAsText("taskId"))
        .containsExactlyInAnyOrder(redriven, retried);
    for (JsonNode message : listing.path("messages")) {
      assertThat(message.path("container").asText()).isEqualTo(incus.instance());
      assertThat(message.path("attempts").asInt()).isEqualTo(2);
      assertThat(message.path("lastError").path("message").asText())
          .as("the last error says what went wrong")
          .contains("is unavailable", "cannot connect");
      assertThat(message.path("firstFailureAt").isTextual()).isTrue();
    }
    assertThat(send(USER, "GET", "/v1/dlq", null).statusCode())
        .as("a user's key on the operators' endpoints")
        .isEqualTo(403);

    // The operator fixes the cause: the stack comes back pointing at the right Incus host.
    close();
    start(incus.settings());
    JsonNode report =
        json(send(OPERATOR, "POST", "/v1/dlq/redrive", "{\"ids\": [\"" + redriven + "\"]}"), 200);
    assertThat(report.path("counts").path("RETRIED").asInt()).isEqualTo(1);
    JsonNode retry = json(send(OPERATOR, "POST", "/v1/uploads/" + retried + "/retry", null), 200);
    assertThat(retry.path("task").path("status").asText()).isEqualTo("PENDING");

    for (String id : List.of(redriven, retried)) {
      JsonNode task = http.awaitFinished(USER, id, Duration.ofSeconds(60));
      assertThat(task.path("status").asText()).as("task %s", id).isEqualTo("DONE");
      assertThat(task.path("timeline").findValuesAsText("reason"))
          .as("the timeline keeps the failed attempts and says who retried")
          .contains("retried by an operator");
    }
    try (var client = new IncusClient(incus.settings())) {
      assertThat(client.readFile(incus.instance(), root + "/first.txt")).isEqualTo(first);
      assertThat(client.readFile(incus.instance(), root + "/second.txt")).isEqualTo(second);
      client.delete(incus.instance(), root + "/first.txt");
      client.delete(incus.instance(), root + "/second.txt");
      client.delete(incus.instance(), root);
    }

    // The retried task's message is still dead-lettered; now DONE, a redrive deletes it.
    JsonNode cleanup = json(send(OPERATOR, "POST", "/v1/dlq/redrive", "{\"all\": true}"), 200);
    assertThat(cleanup.path("counts").path("STALE_DELETED").asInt()).isEqualTo(1);
    assertThat(json(send(OPERATOR, "GET", "/v1/dlq", null), 200).path("messages")).isEmpty();
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
                    new Caller("alice", DestinationPolicy.allowAll()),
                    OPERATOR,
                    Caller.operator("ops")));
    pipeline = LocalPipeline.start(config, aws.clients(), "127.0.0.1");
    http = new UplinkHttp(pipeline.baseUri());
  }

  private static void close() {
    if (http != null) {
      http.close();
      http = null;
    }
    if (pipeline != null) {
      pipeline.close();
      pipeline = null;
    }
  }

  private static String upload(String path, byte[] content) {
    return acceptedId(
        http.uploadBytes(
            USER,
            query("container", IncusTestEnvironment.require().instance(), "path", path),
            content));
  }

  private static HttpResponse<String> send(String key, String method, String path, String body)
      throws Exception {
    var request =
        HttpRequest.newBuilder(pipeline.baseUri().resolve(path))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + key)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> response, int status) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    return JSON.readTree(response.body());
  }
}
