package dev.uplink.infra.pipeline;

import static dev.uplink.infra.testing.UplinkHttp.acceptedId;
import static dev.uplink.infra.testing.UplinkHttp.json;
import static dev.uplink.infra.testing.UplinkHttp.problem;
import static dev.uplink.infra.testing.UplinkHttp.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.api.UploadServices;
import dev.uplink.api.http.UploadApi;
import dev.uplink.infra.testing.ChildJvm;
import dev.uplink.infra.testing.LocalAwsExtension;
import dev.uplink.infra.testing.PollerEnvironment;
import dev.uplink.infra.testing.TestFiles;
import dev.uplink.infra.testing.UplinkHttp;
import dev.uplink.processor.incus.IncusClient;
import dev.uplink.processor.incus.IncusTestEnvironment;
import dev.uplink.processor.poller.PollerMain;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The container-mode poller ({@link PollerMain} as a process of its own, as in a container) serves
 * {@code /metrics}, {@code /healthz} and {@code /readyz} on {@code UPLINK_METRICS_PORT}, against
 * the in-process emulators and the real test incusd: it counts exactly the task it pushed, and its
 * readiness names a dependency that does not answer. Skips without incusd (fails under CI=true).
 */
@DisplayName("The poller process's probes and metrics")
class PollerMonitoringTest {

  private static final String KEY = "key-alice";
  private static final Duration STARTUP = Duration.ofSeconds(30);
  private static final Pattern POLLING = Pattern.compile("Polling \\S+ with \\d+ workers");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @RegisterExtension static final LocalAwsExtension aws = LocalAwsExtension.create();

  private static IncusTestEnvironment incus;
  private static UploadApi api;
  private static UplinkHttp uploads;

  @BeforeAll
  static void startTheApiOnly() {
    incus = IncusTestEnvironment.require();
    // The API alone in this JVM: the only processor is the child under test.
    api =
        UploadApi.start(
            "127.0.0.1",
            0,
            Map.of(KEY, "alice"),
            UploadServices.onAws(aws.config(), aws.clients()));
    uploads = new UplinkHttp(URI.create("http://127.0.0.1:" + api.port()));
  }

  @AfterAll
  static void stopTheApi() {
    if (uploads != null) {
      uploads.close();
    }
    if (api != null) {
      api.close();
    }
  }

  @Test
  @DisplayName("counts the one task it pushed, and its bytes, and is healthy and ready")
  void countsWhatItPushed(@TempDir Path dir) throws Exception {
    int port = freePort();
    byte[] content = TestFiles.randomBytes(70_001);
    String root = "/srv/poller-metrics-" + TestFiles.randomSuffix();
    try (var poller = poller(dir, environment(dir, port))) {
      poller.awaitOutput(POLLING, STARTUP);
      URI monitoring = URI.create("http://127.0.0.1:" + port);

      String id =
          acceptedId(
              uploads.uploadBytes(
                  KEY, query("container", incus.instance(), "path", root + "/f.bin"), content));
      JsonNode task = uploads.awaitFinished(KEY, id, Duration.ofSeconds(20));
      assertThat(task.path("status").asText()).as("task %s", task).isEqualTo("DONE");

      // The counter follows the DONE write by a moment: scrape until it shows.
      String metrics = awaitSample(monitoring, "uplink_tasks_done_total", 1);
      assertThat(sample(metrics, "uplink_pushed_bytes_total")).isEqualTo(content.length);
      assertThat(sample(metrics, "uplink_push_duration_seconds_count")).isEqualTo(1);
      assertThat(sample(metrics, "uplink_task_latency_seconds_count")).isEqualTo(1);
      assertThat(metrics)
          .doesNotContain("uplink_tasks_failed_total{")
          .doesNotContain("uplink_tasks_retried_total{");

      var health = get(monitoring, "/healthz");
      assertThat(health.statusCode()).as("healthz: %s", health.body()).isEqualTo(200);
      assertThat(json(health).path("status").asText()).isEqualTo("up");
      var ready = get(monitoring, "/readyz");
      assertThat(ready.statusCode()).as("readyz: %s", ready.body()).isEqualTo(200);
      assertThat(ready.body())
          .as("no keys on this port: no check names")
          .isEqualTo("{\"status\":\"ready\"}");

      assertThat(poller.terminate(Duration.ofSeconds(15))).as("exit code on SIGTERM").hasValue(0);
    } finally {
      deleteQuietly(root + "/f.bin", root);
    }
  }

  @Test
  @DisplayName(
      "with DynamoDB down, /readyz is a 503 not-ready problem; the poller's log names dynamodb")
  void readinessLogsTheDeadDependency(@TempDir Path dir) throws Exception {
    int port = freePort();
    var env = environment(dir, port);
    env.put("UPLINK_DYNAMODB_ENDPOINT", "http://127.0.0.1:" + freePort());
    try (var poller = poller(dir, env)) {
      poller.awaitOutput(POLLING, STARTUP);

      var ready = get(URI.create("http://127.0.0.1:" + port), "/readyz");

      JsonNode body = problem(ready, 503, "not-ready");
      assertThat(ready.headers().firstValue("Retry-After")).hasValue("5");
      assertThat(body.has("checks")).as("which dependency, and why: the log's").isFalse();
      assertThat(ready.body()).doesNotContain("127.0.0.1").doesNotContain("dynamodb");
      poller.awaitOutput(
          Pattern.compile("/readyz: Not ready: dynamodb \\("), Duration.ofSeconds(10));
    }
  }

  private static ChildJvm poller(Path dir, Map<String, String> env) {
    return ChildJvm.builder(PollerMain.class.getName(), dir.resolve("poller.log"))
        .jvmArgs(
            "-Xmx256m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "--enable-native-access=ALL-UNNAMED")
        .env(env)
        .start();
  }

  /** What a container would be given, and the port to serve probes and metrics on. */
  private static Map<String, String> environment(Path dir, int metricsPort) {
    var env = PollerEnvironment.of(aws, incus, dir.resolve("data"));
    env.put("UPLINK_SHUTDOWN_GRACE", "5");
    env.put("UPLINK_METRICS_PORT", Integer.toString(metricsPort));
    return env;
  }

  private static HttpResponse<String> get(URI base, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Scrapes {@code /metrics} until {@code name} reads {@code value}, for up to 5 s. */
  private static String awaitSample(URI monitoring, String name, double value) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (true) {
      var response = get(monitoring, "/metrics");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type"))
          .hasValue("text/plain; version=0.0.4; charset=utf-8");
      String metrics = response.body();
      boolean shown = metrics.contains(name + " ") && sample(metrics, name) == value;
      if (shown || System.nanoTime() > deadline) {
        assertThat(sample(metrics, name)).as("%s in%n%s", name, metrics).isEqualTo(value);
        return metrics;
      }
      Thread.sleep(50);
    }
  }

  /** The value of the unlabelled sample {@code name}. */
  private static double sample(String metrics, String name) {
    Matcher line =
        Pattern.compile("(?m)^" + Pattern.quote(name) + " ([0-9.eE+-]+)$").matcher(metrics);
    assertThat(line.find()).as("%s in%n%s", name, metrics).isTrue();
    return Double.parseDouble(line.group(1));
  }

  private static int freePort() throws Exception {
    try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** Removes what the test pushed (file first: Incus deletes only empty directories). */
  private static void deleteQuietly(String... paths) {
    try (var client = new IncusClient(incus.settings())) {
      for (String path : paths) {
        if (client.stat(incus.instance(), path).isPresent()) {
          client.delete(incus.instance(), path);
        }
      }
    } catch (Exception e) {
      // Leftovers in the test instance are harmless: say so, and let the assertions decide.
      LoggerFactory.getLogger(PollerMonitoringTest.class)
          .warn("Could not remove {} from the test instance", String.join(", ", paths), e);
    }
  }
}
