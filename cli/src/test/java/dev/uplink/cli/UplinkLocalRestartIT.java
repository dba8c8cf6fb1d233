package dev.uplink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.infra.UplinkLocal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: "A crash of {@code ./uplink local} stalls its backlog for about 15 minutes": its SQS
 * keeps messages in memory only. The tasks survive on disk; at start the stack re-queues them.
 */
@DisplayName("uplink local after kill -9")
class UplinkLocalRestartIT {

  private static final int TASKS = 20;
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  @DisplayName("re-queues at start what a killed stack left PENDING: the backlog drains at once")
  void backlogOfAKilledStackDrainsAtOnceAfterTheRestart(@TempDir Path dir) throws Exception {
    Path dataDir = Files.createDirectories(dir.resolve("data"));
    List<String> ids = new ArrayList<>();
    // First run: an Incus that cannot be reached, so every task is tried, fails transiently and
    // waits PENDING for its retry, its message hidden by the backoff, when the stack is killed.
    try (var first =
        UplinkLocalProcess.start(
            Files.createDirectories(dir.resolve("first")),
            Map.of(
                "UPLINK_PORT", "0",
                "UPLINK_DATA_DIR", dataDir.toString(),
                "UPLINK_INCUS_URL", "unix://" + dir.resolve("no-incus.socket"),
                "UPLINK_MAX_RECEIVE_COUNT", "50",
                // A task caught mid-attempt by the kill is PROCESSING under a lease as long as the
                // visibility timeout: keep it short so the reconciler takes those over in seconds.
                "UPLINK_VISIBILITY_TIMEOUT", "5",
                "UPLINK_RECONCILE_INTERVAL", "1"))) {
      for (int i = 0; i < TASKS; i++) {
        ids.add(upload(first.apiUrl(), "/srv/backlog/" + i + ".txt", "file " + i));
      }
      // Once the processor has tried one, the rest are queued, hidden by a backoff or held by the
      // open circuit of an unreachable host: all PENDING, their messages only in memory.
      awaitAny(first.apiUrl(), ids, t -> t.path("attempts").asInt() >= 1, Duration.ofSeconds(60));
      // kill -9: nothing is given back
    }

    try (var second =
        UplinkLocalProcess.start(
            Files.createDirectories(dir.resolve("second")),
            Map.of(
                "UPLINK_PORT", "0",
                "UPLINK_DATA_DIR", dataDir.toString(),
                "UPLINK_VISIBILITY_TIMEOUT", "5",
                "UPLINK_RECONCILE_INTERVAL", "1"))) {
      long began = System.nanoTime();

      awaitAll(
          second.apiUrl(),
          ids,
          t -> t.path("status").asText().equals("DONE"),
          Duration.ofSeconds(60));

      long millis = (System.nanoTime() - began) / 1_000_000;
      assertThat(second.log()).containsPattern("Re-queued \\d+ unfinished task\\(s\\)");
      for (int i = 0; i < TASKS; i++) {
        assertThat(dataDir.resolve("instances/demo/srv/backlog/" + i + ".txt"))
            .hasContent("file " + i);
      }
      System.out.printf(
          "%d tasks left by a killed stack DONE %d ms after the restart%n", TASKS, millis);
      assertThat(second.stop()).isZero();
    }
  }

  /** {@code api}: the banner's API line, {@code http://127.0.0.1:PORT/v1/uploads}. */
  private String upload(String api, String path, String content) throws Exception {
    var request =
        HttpRequest.newBuilder(URI.create(api + "?container=demo&path=" + path))
            .header("Authorization", "Bearer " + UplinkLocal.DEV_API_KEY)
            .header("Content-Type", "application/octet-stream")
            .POST(HttpRequest.BodyPublishers.ofString(content))
            .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    return JSON.readTree(response.body()).path("id").asText();
  }

  private void awaitAny(
      String api, List<String> ids, java.util.function.Predicate<JsonNode> done, Duration within)
      throws Exception {
    long end = System.nanoTime() + within.toNanos();
    while (true) {
      for (String id : ids) {
        var request =
            HttpRequest.newBuilder(URI.create(api + "/" + id))
                .header("Authorization", "Bearer " + UplinkLocal.DEV_API_KEY)
                .build();
        if (done.test(
            JSON.readTree(http.send(request, HttpResponse.BodyHandlers.ofString()).body()))) {
          return;
        }
      }
      assertThat(System.nanoTime())
          .as("no task reached the state within %s", within)
          .isLessThan(end);
      Thread.sleep(200);
    }
  }

  private void awaitAll(
      String api, List<String> ids, java.util.function.Predicate<JsonNode> done, Duration within)
      throws Exception {
    long end = System.nanoTime() + within.toNanos();
    List<String> waiting = new ArrayList<>(ids);
    JsonNode last = null;
    while (!waiting.isEmpty()) {
      var request =
          HttpRequest.newBuilder(URI.create(api + "/" + waiting.get(0)))
              .header("Authorization", "Bearer " + UplinkLocal.DEV_API_KEY)
              .build();
      last = JSON.readTree(http.send(request, HttpResponse.BodyHandlers.ofString()).body());
      if (done.test(last)) {
        waiting.remove(0);
        continue;
      }
      assertThat(System.nanoTime())
          .as("%d tasks still not there after %s; e.g. %s", waiting.size(), within, last)
          .isLessThan(end);
      Thread.sleep(200);
    }
  }
}
