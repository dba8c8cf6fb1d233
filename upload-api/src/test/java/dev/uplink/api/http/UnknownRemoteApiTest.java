package dev.uplink.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.api.KnownRemotes;
import dev.uplink.api.Outages;
import dev.uplink.api.UploadLimits;
import dev.uplink.api.UploadService;
import dev.uplink.api.fakes.RecordingTaskQueue;
import dev.uplink.api.fakes.StreamingObjectStore;
import dev.uplink.core.testing.InMemoryTaskStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("An upload to an Incus remote the deployment does not know is 400, field remote")
class UnknownRemoteApiTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final InMemoryTaskStore tasks = new InMemoryTaskStore();
  private final StreamingObjectStore objects = new StreamingObjectStore();
  private final RecordingTaskQueue queue = new RecordingTaskQueue();
  private final HttpClient http = HttpClient.newHttpClient();
  private UploadApi api;

  @BeforeEach
  void start() {
    var service =
        new UploadService(
            tasks,
            objects,
            queue,
            Clock.systemUTC(),
            UploadLimits.defaults(),
            Optional.empty(),
            Outages.DEPENDENCIES,
            Optional.empty(),
            new KnownRemotes(List.of("lab")));
    api = UploadApi.start("127.0.0.1", 0, Map.of("key-alice", "alice"), service);
  }

  @AfterEach
  void stop() {
    http.close();
    api.close();
  }

  private HttpResponse<String> upload(String container) throws Exception {
    return http.send(
        HttpRequest.newBuilder(
                URI.create(
                    "http://127.0.0.1:%d/v1/uploads?container=%s&path=/srv/a.txt"
                        .formatted(api.port(), container)))
            .header("Authorization", "Bearer key-alice")
            .header("Content-Type", "application/octet-stream")
            .POST(BodyPublishers.ofString("hello"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @DisplayName("remote:instance on a configured remote is accepted and recorded with its remote")
  void knownRemoteAccepted() throws Exception {
    HttpResponse<String> response = upload("lab:web");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    assertThat(JSON.readTree(response.body()).path("status").asText()).isEqualTo("PENDING");
    String id = JSON.readTree(response.body()).path("id").asText();
    HttpResponse<String> task =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:%d/v1/uploads/%s".formatted(api.port(), id)))
                .header("Authorization", "Bearer key-alice")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    JsonNode shown = JSON.readTree(task.body());
    assertThat(shown.path("remote").asText()).as("the task names its remote").isEqualTo("lab");
    assertThat(shown.path("container").asText()).as("and its instance").isEqualTo("web");
    assertThat(tasks.all())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.destination().remote()).isEqualTo("lab");
              assertThat(t.destination().instance()).isEqualTo("web");
            });
  }

  @Test
  @DisplayName("another remote is refused before anything is stored")
  void unknownRemoteRefused() throws Exception {
    HttpResponse<String> response = upload("edge:web");

    JsonNode problem = JSON.readTree(response.body());
    ProblemAssert.assertProblem(
        response.statusCode(),
        response.headers().firstValue("Content-Type"),
        problem,
        response.body(),
        400,
        "https://uplink.dev/problems/invalid-destination",
        "remote");
    assertThat(problem.path("detail").asText()).contains("'edge'", "lab");
    assertThat(objects.putsStarted()).as("object store puts").isZero();
    assertThat(tasks.all()).isEmpty();
    assertThat(queue.published()).isEmpty();
  }
}
