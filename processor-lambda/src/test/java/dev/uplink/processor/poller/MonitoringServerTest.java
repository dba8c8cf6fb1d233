package dev.uplink.processor.poller;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.core.health.Readiness;
import dev.uplink.core.health.ReadinessCheck;
import dev.uplink.processor.MeterPushMetrics;
import dev.uplink.processor.Tasks;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The container-mode poller's probes and metrics, over a real socket on a free port. */
@DisplayName("The poller's monitoring server")
class MonitoringServerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant CREATED = Instant.parse("2026-11-22T10:00:00Z");

  private final AtomicBoolean receiving = new AtomicBoolean(true);
  private final AtomicReference<Exception> tableFailure = new AtomicReference<>();
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final MonitoringServer server =
      MonitoringServer.start(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
          receiving::get,
          new Readiness(
              List.of(
                  new ReadinessCheck("s3", () -> {}),
                  new ReadinessCheck(
                      "dynamodb",
                      () -> {
                        Exception failure = tableFailure.get();
                        if (failure != null) {
                          throw failure;
                        }
                      })),
              Duration.ofSeconds(1)),
          registry::scrape);
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void stop() {
    server.close();
    http.close();
  }

  @Test
  @DisplayName("/healthz is 200 {status: up} while the poller receives, 503 problem once it stops")
  void healthFollowsThePoller() throws Exception {
    HttpResponse<String> up = get("/healthz");

    assertThat(up.statusCode()).isEqualTo(200);
    assertThat(up.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(up.body()).isEqualTo("{\"status\":\"up\"}");

    receiving.set(false);
    HttpResponse<String> down = get("/healthz");

    assertThat(down.statusCode()).isEqualTo(503);
    assertThat(down.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(JSON.readTree(down.body()).path("detail").asText())
        .isEqualTo("The poller has stopped receiving messages");
  }

  @Test
  @DisplayName(
      "/readyz is 200 or 503 not-ready as the API's, without naming the dependency: the log does")
  void readinessAnswersAsTheApiDoesToACallerWithoutAKey() throws Exception {
    var logged = new ListAppender<ILoggingEvent>();
    logged.start();
    var logger = (Logger) LoggerFactory.getLogger(MonitoringServer.class);
    logger.addAppender(logged);
    try {
      HttpResponse<String> ready = get("/readyz");

      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(ready.headers().firstValue("Content-Type")).hasValue("application/json");
      assertThat(ready.body()).isEqualTo("{\"status\":\"ready\"}");

      tableFailure.set(new IOException("Connection refused to dynamodb.internal:8000"));
      HttpResponse<String> notReady = get("/readyz");
      get("/readyz");

      assertThat(notReady.statusCode()).isEqualTo(503);
      assertThat(notReady.headers().firstValue("Content-Type"))
          .hasValue("application/problem+json");
      assertThat(notReady.headers().firstValue("Retry-After")).hasValue("5");
      JsonNode problem = JSON.readTree(notReady.body());
      assertThat(problem.path("type").asText()).isEqualTo("https://uplink.dev/problems/not-ready");
      assertThat(problem.path("title").asText()).isEqualTo("Not ready");
      assertThat(problem.path("status").asInt()).isEqualTo(503);
      assertThat(problem.has("checks")).as("no check names or reasons").isFalse();
      assertThat(notReady.body()).doesNotContain("dynamodb").doesNotContain("Connection refused");
      assertThat(problem.path("detail").asText()).contains("log");
      assertThat(logged.list)
          .as("the reason goes to the log, once while it stays the same")
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.getLevel()).isEqualTo(Level.WARN);
                assertThat(e.getFormattedMessage())
                    .contains("dynamodb (IOException: Connection refused to dynamodb.internal");
              });
    } finally {
      logger.detachAppender(logged);
    }
  }

  @Test
  @DisplayName("/metrics shows the processor's meters in Prometheus text, or OpenMetrics if asked")
  void metricsInEitherFormat() throws Exception {
    new MeterPushMetrics(registry)
        .done(Tasks.pending(4096, CREATED), Duration.ofMillis(250), CREATED.plusSeconds(2));

    HttpResponse<String> text = get("/metrics");
    HttpResponse<String> open =
        http.send(
            request("/metrics").header("Accept", "application/openmetrics-text").build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(text.statusCode()).isEqualTo(200);
    assertThat(text.headers().firstValue("Content-Type"))
        .hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(text.body())
        .contains("uplink_tasks_done_total 1.0")
        .contains("uplink_pushed_bytes_total 4096.0")
        .contains("uplink_push_duration_seconds_count 1")
        .contains("uplink_task_latency_seconds_sum 2.0");
    assertThat(open.statusCode()).isEqualTo(200);
    assertThat(open.headers().firstValue("Content-Type"))
        .hasValue("application/openmetrics-text; version=1.0.0; charset=utf-8");
    assertThat(open.body()).contains("uplink_tasks_done_total 1.0").endsWith("# EOF\n");
  }

  @Test
  @DisplayName("other paths are 404 and other methods 405 (with Allow), as problems")
  void otherPathsAndMethodsAreRefused() throws Exception {
    HttpResponse<String> missing = get("/v1/uploads");
    HttpResponse<String> posted =
        http.send(
            request("/metrics").POST(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(posted.statusCode()).isEqualTo(405);
    assertThat(posted.headers().firstValue("Allow")).hasValue("GET");
    assertThat(JSON.readTree(posted.body()).path("status").asInt()).isEqualTo(405);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(10));
  }
}
