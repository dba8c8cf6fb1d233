package dev.uplink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code uplink webhooks} against a stand-in API: what it sends, and what it prints. */
@DisplayName("uplink webhooks")
class WebhooksCommandTest {

  private static final String ID = "wh_5f0c2a9e8d7b6a5f4e3d2c1b";
  private static final String ENDPOINT =
      """
      {"id":"%s","url":"https://ci.example.com/hook","events":["upload.done","upload.failed"],
       "createdAt":"2026-11-22T06:30:00.123Z"}"""
          .formatted(ID);

  private final FakeApi api = FakeApi.start();

  @AfterEach
  void stop() {
    api.close();
  }

  private CliRun run(String... args) {
    return CliRun.of(
        Map.of(
            CliSettings.API_URL_VARIABLE,
            api.url().toString(),
            CliSettings.API_KEY_VARIABLE,
            "test-key"),
        args);
  }

  @Test
  @DisplayName("add sends the URL and the event types, and prints the secret once")
  void add() {
    api.json(
        "POST",
        "/v1/webhooks",
        201,
        ENDPOINT.replace("}", ",\"secret\":\"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"}"));
    CliRun run =
        run(
            "webhooks",
            "add",
            "https://ci.example.com/hook",
            "--events",
            "upload.done,upload.failed");
    assertThat(run.exitCode()).as("%s", run).isZero();
    assertThat(new String(api.requests().get(0).body(), StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"url\":\"https://ci.example.com/hook\",\"events\":[\"upload.done\",\"upload.failed\"]}");
    assertThat(run.stdout())
        .contains(ID + "  https://ci.example.com/hook  upload.done,upload.failed")
        .contains("secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw   (shown once: keep it now)");
  }

  @Test
  @DisplayName("list shows each endpoint without a secret, and 'all events' for none chosen")
  void list() {
    api.json(
        "GET",
        "/v1/webhooks",
        200,
        "{\"items\":["
            + ENDPOINT
            + ","
            + ENDPOINT
                .replace("\"upload.done\",\"upload.failed\"", "")
                .replace(ID, "wh_000000000000000000000000")
            + "]}");
    CliRun run = run("webhooks", "list");
    assertThat(run.exitCode()).as("%s", run).isZero();
    assertThat(run.stdout())
        .contains(ID + "  https://ci.example.com/hook  upload.done,upload.failed")
        .contains("wh_000000000000000000000000  https://ci.example.com/hook  all events");
  }

  @Test
  @DisplayName("deliveries shows each attempt's outcome")
  void deliveries() {
    api.json(
        "GET",
        "/v1/webhooks/" + ID + "/deliveries?limit=100",
        200,
        """
        {"items":[{"eventId":"evt_X_3","eventType":"upload.done","attempt":2,
          "at":"2026-11-22T06:31:00.000Z","delivered":true,"statusCode":204,"error":null,
          "durationMs":12},
         {"eventId":"evt_X_3","eventType":"upload.done","attempt":1,
          "at":"2026-11-22T06:30:30.000Z","delivered":false,"statusCode":503,
          "error":"answered 503","durationMs":9}]}""");
    CliRun run = run("webhooks", "deliveries", ID);
    assertThat(run.exitCode()).as("%s", run).isZero();
    assertThat(run.stdout().lines().toList())
        .containsExactly(
            "2026-11-22T06:31:00.000Z  evt_X_3  upload.done  #2  delivered 204         12 ms",
            "2026-11-22T06:30:30.000Z  evt_X_3  upload.done  #1  failed: answered 503  9 ms");
  }

  @Test
  @DisplayName("rm deletes; a malformed id is a usage error sent nowhere; a 404 is one line")
  void remove() {
    api.json("DELETE", "/v1/webhooks/" + ID, 200, ENDPOINT);
    assertThat(run("webhooks", "rm", ID).stdout()).contains("deleted " + ID);

    CliRun malformed = run("webhooks", "rm", "not-an-id");
    assertThat(malformed.exitCode()).isEqualTo(2);
    assertThat(api.requests()).hasSize(1);

    api.json(
        "DELETE",
        "/v1/webhooks/wh_000000000000000000000000",
        404,
        "{\"type\":\"https://uplink.dev/problems/not-found\",\"title\":\"Not found\","
            + "\"status\":404,\"detail\":\"There is no webhook with this id\"}");
    CliRun missing = run("webhooks", "rm", "wh_000000000000000000000000");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.stderrLines()).hasSize(1);
    assertThat(missing.stderr()).contains("There is no webhook with this id");
  }
}
