package dev.uplink.infra.pipeline;

import static dev.uplink.infra.testing.UplinkHttp.acceptedId;
import static dev.uplink.infra.testing.UplinkHttp.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.api.UploadServices;
import dev.uplink.api.http.ApiSettings;
import dev.uplink.api.http.Probes;
import dev.uplink.api.http.UploadApi;
import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.DestinationPolicy;
import dev.uplink.core.health.Readiness;
import dev.uplink.infra.LocalPipeline;
import dev.uplink.infra.testing.LocalAwsExtension;
import dev.uplink.infra.testing.TestFiles;
import dev.uplink.infra.testing.UplinkHttp;
import dev.uplink.processor.ProcessorWiring;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The local stack's {@code /healthz}, {@code /readyz} and {@code /metrics}, against the real
 * emulators: the counters match the tasks run, exactly, and readiness names a dependency that does
 * not answer.
 */
class ProbesAndMetricsTest {

  private static final String KEY = "key-alice";
  private static final String OPERATOR_KEY = "key-ops";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final int[] SIZES = {1, 1000, 65_536, 300_000, 1_048_577};

  @RegisterExtension
  static final LocalAwsExtension aws = LocalAwsExtension.create(Duration.ofSeconds(2), 3);

  private static UplinkConfig config;
  private static LocalPipeline pipeline;
  private static UplinkHttp http;
  private static long bytesDone;
  private static String failedCode;

  @BeforeAll
  static void runFiveTasksToDoneAndOneToFailed() {
    config =
        aws.config()
            .withCallers(
                Map.of(
                    KEY,
                    new Caller("alice", DestinationPolicy.allowAll()),
                    OPERATOR_KEY,
                    Caller.operator("ops")));
    pipeline = LocalPipeline.start(config, aws.clients(), "127.0.0.1");
    http = new UplinkHttp(pipeline.baseUri());
    String root = "/srv/metrics-" + TestFiles.randomSuffix();
    for (int i = 0; i < SIZES.length; i++) {
      String id =
          acceptedId(
              http.uploadBytes(
                  KEY, query("container", "demo", "path", root + "/d/f" + i), new byte[SIZES[i]]));
      assertThat(http.awaitFinished(KEY, id, Duration.ofSeconds(30)).path("status").asText())
          .isEqualTo("DONE");
      bytesDone += SIZES[i];
    }
    // A file where a directory is: refused for good, after one attempt.
    String failed =
        acceptedId(
            http.uploadBytes(KEY, query("container", "demo", "path", root + "/d"), new byte[3]));
    JsonNode task = http.awaitFinished(KEY, failed, Duration.ofSeconds(30));
    assertThat(task.path("status").asText()).isEqualTo("FAILED");
    failedCode = task.path("lastError").path("code").asText();
  }

  @AfterAll
  static void stop() {
    if (http != null) {
      http.close();
    }
    if (pipeline != null) {
      pipeline.close();
    }
  }

  private static HttpResponse<String> get(URI base, String path) throws Exception {
    return get(base, path, null);
  }

  private static HttpResponse<String> get(URI base, String path, String key) throws Exception {
    var request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The value of the sample {@code name} (with its labels, as Prometheus prints them). */
  private static double sample(String metrics, String name) {
    Matcher line =
        Pattern.compile("(?m)^" + Pattern.quote(name) + " ([0-9.eE+-]+)$").matcher(metrics);
    assertThat(line.find()).as("%s in%n%s", name, metrics).isTrue();
    return Double.parseDouble(line.group(1));
  }

  @Test
  void theMetricsCountEveryTaskRunAndNeedNoKey() throws Exception {
    var response = get(pipeline.baseUri(), "/metrics");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
    String metrics = response.body();
    assertThat(sample(metrics, "uplink_tasks_done_total")).isEqualTo(SIZES.length);
    assertThat(sample(metrics, "uplink_pushed_bytes_total")).isEqualTo(bytesDone);
    assertThat(sample(metrics, "uplink_tasks_failed_total{code=\"" + failedCode + "\"}"))
        .isEqualTo(1);
    assertThat(sample(metrics, "uplink_push_duration_seconds_count")).isEqualTo(SIZES.length);
    assertThat(sample(metrics, "uplink_task_latency_seconds_count")).isEqualTo(SIZES.length);
    assertThat(sample(metrics, "uplink_task_latency_seconds_sum")).isPositive();
    assertThat(metrics).doesNotContain("uplink_tasks_retried_total{");
  }

  @Test
  void healthAndReadinessAnswerWithoutAKeyAndOnlyAnOperatorSeesTheChecks() throws Exception {
    var health = get(pipeline.baseUri(), "/healthz");
    var ready = get(pipeline.baseUri(), "/readyz");
    var detailed = get(pipeline.baseUri(), "/readyz", OPERATOR_KEY);

    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(health.body()).path("status").asText()).isEqualTo("up");
    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
    assertThat(JSON.readTree(ready.body()).has("checks")).isFalse();
    assertThat(detailed.statusCode()).as(detailed.body()).isEqualTo(200);
    assertThat(JSON.convertValue(JSON.readTree(detailed.body()).path("checks"), Map.class))
        .isEqualTo(Map.of("s3", "ok", "sqs", "ok", "dynamodb", "ok", "directory", "ok"));
  }

  @Test
  void aDependencyThatDoesNotAnswerMakesReadiness503NamingItWithinTheCheckTimeout()
      throws Exception {
    int deadPort;
    try (var socket = new ServerSocket(0)) {
      deadPort = socket.getLocalPort();
    }
    var settings =
        aws.settings()
            .withEndpoints(
                aws.settings().s3Endpoint().orElseThrow(),
                aws.settings().sqsEndpoint().orElseThrow(),
                URI.create("http://127.0.0.1:" + deadPort));
    try (AwsClients broken = AwsClients.create(settings, aws.localAws().credentials());
        var api =
            UploadApi.start(
                "127.0.0.1",
                0,
                ApiSettings.from(config)
                    .withProbes(
                        new Probes(
                            new Readiness(
                                ProcessorWiring.readinessChecks(config, broken, pipeline.target()),
                                Readiness.DEFAULT_TIMEOUT),
                            Optional.empty())),
                UploadServices.onAws(config, aws.clients()))) {
      URI base = URI.create("http://127.0.0.1:" + api.port());
      long started = System.nanoTime();
      var ready = get(base, "/readyz", OPERATOR_KEY);
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      var anonymous = get(base, "/readyz");

      assertThat(ready.statusCode()).as(ready.body()).isEqualTo(503);
      assertThat(ready.headers().firstValue("Content-Type")).contains("application/problem+json");
      JsonNode problem = JSON.readTree(ready.body());
      assertThat(problem.path("detail").asText()).startsWith("Not ready: dynamodb (");
      assertThat(problem.path("checks").path("s3").asText()).isEqualTo("ok");
      assertThat(problem.path("checks").path("dynamodb").asText()).isNotEqualTo("ok");
      assertThat(took).isLessThan(Readiness.DEFAULT_TIMEOUT.plusSeconds(3));
      assertThat(anonymous.statusCode()).isEqualTo(503);
      assertThat(anonymous.body()).as("without a key").doesNotContain("dynamodb", "checks");
    }
  }
}
