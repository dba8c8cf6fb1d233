package dev.uplink.api.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.api.UploadService;
import dev.uplink.api.fakes.StreamingObjectStore;
import dev.uplink.api.http.ApiSettings;
import dev.uplink.api.http.Probes;
import dev.uplink.api.http.RequestMetrics;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.DestinationPolicy;
import dev.uplink.core.domain.TaskQueue;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.logging.InvocationLogContext;
import dev.uplink.core.testing.InMemoryTaskStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The handler's own answers, for what never reaches the application: requests HTTP/1.1 cannot
 * carry, events of the wrong kind, and an application that does not answer in time.
 */
class ApiGatewayHandlerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> KEYS = Map.of("key-alice", "alice");

  private final InMemoryTaskStore tasks = new InMemoryTaskStore();
  private final StreamingObjectStore objects = new StreamingObjectStore();
  private final CountDownLatch releasePublishes = new CountDownLatch(1);
  private ApiGatewayHandler handler;

  @AfterEach
  void stop() {
    releasePublishes.countDown();
    if (handler != null) {
      handler.close();
    }
  }

  @Test
  void aLineBreakInAHeaderValueIs400ProblemJsonAndReachesNothing() throws Exception {
    handler = new ApiGatewayHandler(ApiSettings.allowingAll(KEYS), service(publishes()));
    String event =
        ApiGatewayEvents.event(
            "POST",
            "/v1/uploads?container=web&path=/tmp/a",
            Map.of(
                "Authorization", "Bearer key-alice",
                "X-File-Mode", "0644\r\nX-Container-Name: other"),
            "x".getBytes(StandardCharsets.UTF_8));

    JsonNode response = invoke(event, Duration.ofSeconds(30));

    assertProblemResponse(response, 400);
    assertThat(objects.putsStarted()).as("object store puts").isZero();
    assertThat(tasks.all()).as("tasks").isEmpty();
  }

  @Test
  void aPayloadFormat1EventIs500ProblemJsonWithoutDetails() throws Exception {
    handler = new ApiGatewayHandler(ApiSettings.allowingAll(KEYS), service(publishes()));
    String v1 =
        """
        {"version": "1.0", "resource": "/v1/uploads", "path": "/v1/uploads",
         "httpMethod": "GET", "headers": {"Host": "h"}, "requestContext": {}}""";

    JsonNode response = invoke(v1, Duration.ofSeconds(30));

    JsonNode problem = assertProblemResponse(response, 500);
    assertThat(problem.path("detail").asText()).doesNotContain("version", "1.0");
  }

  @Test
  void anEventThatIsNotJsonIs500ProblemJson() throws Exception {
    handler = new ApiGatewayHandler(ApiSettings.allowingAll(KEYS), service(publishes()));

    assertProblemResponse(invoke("<xml/>", Duration.ofSeconds(30)), 500);
  }

  @Test
  // A deadline that does not hold would otherwise hang the build.
  @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void anApplicationSlowerThanTheExchangeTimeoutIs504WithinTheTimeout() throws Exception {
    handler =
        new ApiGatewayHandler(
            settings(Duration.ZERO), service(blockingPublishes()), Duration.ofMillis(400));

    long started = System.nanoTime();
    JsonNode response = invoke(upload(), Duration.ofSeconds(30));
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertProblemResponse(response, 504);
    assertThat(took)
        .as("answered at the deadline")
        .isBetween(Duration.ofMillis(350), Duration.ofSeconds(5));
  }

  @Test
  @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void anInvocationWithLittleTimeLeftAnswers504BeforeLambdaWouldStopIt() throws Exception {
    handler = new ApiGatewayHandler(ApiSettings.allowingAll(KEYS), service(blockingPublishes()));
    // Warm up, so the timing below is the deadline's, not class loading's on a busy machine.
    invoke(
        ApiGatewayEvents.event("GET", "/openapi.json", Map.of(), new byte[0]),
        Duration.ofSeconds(30));

    long started = System.nanoTime();
    JsonNode response = invoke(upload(), Duration.ofSeconds(3));
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertProblemResponse(response, 504);
    assertThat(took)
        .as("answered before the invocation's deadline")
        .isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void aLongPollAsLongAsTheExchangeTimeoutIsRefusedAtConstruction() {
    var service = service(publishes());

    assertThatThrownBy(() -> new ApiGatewayHandler(settings(Duration.ofSeconds(30)), service))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("long-poll");
  }

  private static String upload() {
    return ApiGatewayEvents.event(
        "POST",
        "/v1/uploads?container=web&path=/tmp/a",
        Map.of("Authorization", "Bearer key-alice", "Content-Type", "application/octet-stream"),
        new byte[] {1, 2, 3});
  }

  @Test
  @DisplayName(
      "Every log line of an invocation, the application's on its own thread included, carries the"
          + " Lambda request id and the cold-start flag, and a client cannot forge them")
  void everyLogLineOfAnInvocationCarriesItsRequestIdAndColdStart() throws Exception {
    handler = new ApiGatewayHandler(ApiSettings.allowingAll(KEYS), service(publishes()));
    var context = new LambdaTestContext(Duration.ofSeconds(30));
    String event =
        ApiGatewayEvents.event(
            "GET",
            "/v1/uploads/01JAAAAAAAAAAAAAAAAAAAAAAA",
            Map.of(
                "Authorization", "Bearer key-alice",
                "Uplink-Invocation-Id", "forged",
                "Uplink-Invocation-Cold-Start", "forged"),
            new byte[0]);
    var lines = new ListAppender<ILoggingEvent>();
    lines.start();
    var root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(lines);
    JsonNode response;
    try {
      var output = new ByteArrayOutputStream();
      handler.handleRequest(
          new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), output, context);
      response = JSON.readTree(output.toByteArray());
    } finally {
      root.detachAppender(lines);
    }

    assertThat(response.path("statusCode").asInt()).isEqualTo(404);
    assertThat(lines.list)
        .as("the access log line at least")
        .anySatisfy(
            line -> assertThat(line.getLoggerName()).isEqualTo("dev.uplink.api.http.access"))
        .allSatisfy(
            line -> {
              assertThat(line.getMDCPropertyMap())
                  .as(line.getFormattedMessage())
                  .containsEntry(InvocationLogContext.REQUEST_ID, context.getAwsRequestId());
              assertThat(line.getMDCPropertyMap().get(InvocationLogContext.COLD_START))
                  .as(line.getFormattedMessage())
                  .isIn("true", "false");
            });
    assertThat(MDC.get(InvocationLogContext.REQUEST_ID)).as("not left on the thread").isNull();
  }

  @Test
  @DisplayName(
      "Each request is counted once by the route that answered, never by its path with an id, and"
          + " a streamed upload by its bytes")
  void eachRequestIsCountedByItsRoute() throws Exception {
    var served = new java.util.concurrent.CopyOnWriteArrayList<RequestMetrics.ServedRequest>();
    handler =
        new ApiGatewayHandler(ApiSettings.allowingAll(KEYS), service(publishes()), served::add);
    byte[] file = new byte[1000];

    JsonNode accepted =
        invoke(
            ApiGatewayEvents.event(
                "POST",
                "/v1/uploads?container=web&path=/srv/a.bin",
                Map.of("Authorization", "Bearer key-alice"),
                file),
            Duration.ofSeconds(30));
    invoke(
        ApiGatewayEvents.event(
            "GET",
            "/v1/uploads/01JAAAAAAAAAAAAAAAAAAAAAAA",
            Map.of("Authorization", "Bearer key-alice"),
            new byte[0]),
        Duration.ofSeconds(30));
    invoke(
        ApiGatewayEvents.event("GET", "/no/such/thing", Map.of(), new byte[0]),
        Duration.ofSeconds(30));

    assertThat(accepted.path("statusCode").asInt()).isEqualTo(202);
    assertThat(served)
        .extracting(
            RequestMetrics.ServedRequest::route,
            RequestMetrics.ServedRequest::status,
            RequestMetrics.ServedRequest::uploadedBytes)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("POST /v1/uploads", 202, 1000L),
            org.assertj.core.groups.Tuple.tuple("GET /v1/uploads/{id}", 404, 0L),
            org.assertj.core.groups.Tuple.tuple(RequestMetrics.ServedRequest.UNMATCHED, 401, 0L));
  }

  private JsonNode invoke(String event, Duration timeLeft) throws Exception {
    var output = new ByteArrayOutputStream();
    handler.handleRequest(
        new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)),
        output,
        new LambdaTestContext(timeLeft));
    return JSON.readTree(output.toByteArray());
  }

  private static JsonNode assertProblemResponse(JsonNode response, int status) throws Exception {
    assertThat(response.path("statusCode").asInt())
        .as("statusCode of " + response)
        .isEqualTo(status);
    assertThat(response.path("headers").path("Content-Type").asText())
        .startsWith("application/problem+json");
    assertThat(response.path("isBase64Encoded").asBoolean()).isFalse();
    JsonNode problem = JSON.readTree(response.path("body").asText());
    assertThat(problem.path("type").asText()).as("type").isNotBlank();
    assertThat(problem.path("title").asText()).as("title").isNotBlank();
    assertThat(problem.path("status").asInt()).as("status member").isEqualTo(status);
    assertThat(problem.path("detail").asText()).as("detail").isNotBlank();
    return problem;
  }

  private static ApiSettings settings(Duration maxWait) {
    return new ApiSettings(
        Map.of("key-alice", new Caller("alice", DestinationPolicy.allowAll())),
        4,
        maxWait,
        Probes.NONE,
        Optional.empty(),
        List.of());
  }

  private UploadService service(TaskQueue queue) {
    return new UploadService(tasks, objects, queue, Clock.systemUTC());
  }

  private static TaskQueue publishes() {
    return task -> {};
  }

  /** A queue whose publish waits until the test ends: an application that does not answer. */
  private TaskQueue blockingPublishes() {
    return (UploadTask task) -> {
      try {
        releasePublishes.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
  }
}
