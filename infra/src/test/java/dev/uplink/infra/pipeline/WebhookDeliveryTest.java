package dev.uplink.infra.pipeline;

import static dev.uplink.infra.testing.UplinkHttp.acceptedId;
import static dev.uplink.infra.testing.UplinkHttp.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.uplink.core.config.WebhookSettings;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.DestinationPolicy;
import dev.uplink.infra.LocalPipeline;
import dev.uplink.infra.testing.LocalAwsExtension;
import dev.uplink.infra.testing.TestFiles;
import dev.uplink.infra.testing.UplinkHttp;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Webhooks end to end on the local stack: endpoints registered through the API, real uploads, the
 * task table's stream, the delivery queue on ElasticMQ and receivers on loopback (the JDK's HTTP
 * server). Retries wait 1 s here (a day in production) and a delivery gets 5 attempts.
 */
@DisplayName("Webhooks on the local stack")
class WebhookDeliveryTest {

  private static final String ALICE = "key-alice";
  private static final String BOB = "key-bob";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final int MAX_ATTEMPTS = 5;
  private static final int TASKS = 3;

  @RegisterExtension
  static final LocalAwsExtension aws = LocalAwsExtension.create(Duration.ofSeconds(30), 3);

  private static HttpServer receiver;
  private static final List<Received> good = new CopyOnWriteArrayList<>();
  private static final List<Received> bobs = new CopyOnWriteArrayList<>();
  private static final List<Received> flaky = new CopyOnWriteArrayList<>();
  private static final Map<String, AtomicInteger> flakyTries = new ConcurrentHashMap<>();
  private static WebhookSettings settings;
  private static LocalPipeline pipeline;
  private static UplinkHttp http;
  private static String root;

  /** What a receiver was sent. */
  record Received(String id, String timestamp, String signature, String body) {}

  @BeforeAll
  static void start() throws IOException {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/good", exchange -> answer(exchange, good, 204));
    receiver.createContext("/bob", exchange -> answer(exchange, bobs, 200));
    receiver.createContext(
        "/flaky",
        exchange -> {
          String id = exchange.getRequestHeaders().getFirst("webhook-id");
          int tries = flakyTries.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
          answer(exchange, flaky, tries <= 3 ? 503 : 200);
        });
    receiver.start();
    String prefix = "wh" + TestFiles.randomSuffix();
    settings =
        new WebhookSettings(
            true,
            false,
            prefix + "-webhooks",
            prefix + "-deliveries",
            prefix + "-deliveries-dlq",
            Duration.ofSeconds(1),
            Duration.ofSeconds(1),
            MAX_ATTEMPTS);
    var config =
        aws.config()
            .withCallers(
                Map.of(
                    ALICE,
                    new Caller("alice", DestinationPolicy.allowAll()),
                    BOB,
                    new Caller("bob", DestinationPolicy.allowAll())));
    pipeline = LocalPipeline.start(config, aws.clients(), "127.0.0.1", settings);
    http = new UplinkHttp(pipeline.baseUri());
    root = "/srv/webhooks-" + TestFiles.randomSuffix();
  }

  @AfterAll
  static void stop() {
    if (http != null) {
      http.close();
    }
    if (pipeline != null) {
      pipeline.close();
    }
    if (receiver != null) {
      receiver.stop(0);
    }
  }

  @Test
  @DisplayName(
      "each receiver gets exactly its owner's events, signed; a flaky one after three failures;"
          + " a dead one leaves the pipeline as fast and its deliveries dead-lettered")
  void webhooksEndToEnd() throws Exception {
    Duration baseline = timeToDone(TASKS, "baseline");
    // An event goes to the endpoints registered when it is read from the stream (every 0.5 s):
    // let the baseline's events pass before there are any.
    Thread.sleep(2000);

    String base = "http://127.0.0.1:" + receiver.getAddress().getPort();
    JsonNode goodHook = register(ALICE, "{\"url\":\"" + base + "/good\"}");
    JsonNode flakyHook =
        register(ALICE, "{\"url\":\"" + base + "/flaky\",\"events\":[\"upload.done\"]}");
    JsonNode deadHook = register(ALICE, "{\"url\":\"http://127.0.0.1:" + closedPort() + "/\"}");
    JsonNode bobHook = register(BOB, "{\"url\":\"" + base + "/bob\"}");

    List<String> aliceTasks = new ArrayList<>();
    long started = System.nanoTime();
    for (int i = 0; i < TASKS; i++) {
      aliceTasks.add(upload(ALICE, "a" + i));
    }
    String bobTask = upload(BOB, "b");
    for (String id : aliceTasks) {
      assertThat(http.awaitFinished(ALICE, id, Duration.ofSeconds(30)).path("status").asText())
          .isEqualTo("DONE");
    }
    Duration withWebhooks = Duration.ofNanos(System.nanoTime() - started);
    assertThat(http.awaitFinished(BOB, bobTask, Duration.ofSeconds(30)).path("status").asText())
        .isEqualTo("DONE");
    System.out.printf(
        "WebhookDeliveryTest: %d tasks DONE in %d ms without webhooks, %d ms with a good, a flaky"
            + " and a dead receiver registered%n",
        TASKS, baseline.toMillis(), withWebhooks.toMillis());
    assertThat(withWebhooks)
        .as("a dead receiver does not slow the pipeline down (baseline %s)", baseline)
        .isLessThan(baseline.multipliedBy(2).plusSeconds(2));

    // Each task: PENDING (created), PROCESSING, DONE.
    Set<String> aliceEvents =
        aliceTasks.stream()
            .flatMap(id -> List.of(id + "_1", id + "_2", id + "_3").stream())
            .map(suffix -> "evt_" + suffix)
            .collect(Collectors.toSet());
    await(() -> ids(good).containsAll(aliceEvents), "alice's good receiver gets every event");
    assertThat(ids(good)).as("exactly alice's events").isEqualTo(aliceEvents);
    verifyAll(good, goodHook.path("secret").asText());
    for (Received received : good) {
      JsonNode body = JSON.readTree(received.body());
      String taskId = body.path("data").path("id").asText();
      assertThat(aliceTasks).contains(taskId);
      assertThat(body.path("type").asText())
          .isEqualTo("upload." + body.path("data").path("status").asText().toLowerCase());
      assertThat(received.id()).startsWith("evt_" + taskId + "_");
      assertThat(Instant.parse(body.path("timestamp").asText()).getEpochSecond())
          .isEqualTo(Long.parseLong(received.timestamp()));
    }

    await(() -> ids(bobs).contains("evt_" + bobTask + "_3"), "bob's receiver gets his events");
    assertThat(ids(bobs))
        .isEqualTo(
            Set.of("evt_" + bobTask + "_1", "evt_" + bobTask + "_2", "evt_" + bobTask + "_3"));
    verifyAll(bobs, bobHook.path("secret").asText());

    Set<String> doneEvents =
        aliceTasks.stream().map(id -> "evt_" + id + "_3").collect(Collectors.toSet());
    await(
        () -> flaky.stream().filter(r -> r.body().contains("\"DONE\"")).count() >= 4L * TASKS,
        "the flaky receiver answers 2xx on the fourth try of each event");
    assertThat(ids(flaky)).as("only the events it asked for").isEqualTo(doneEvents);
    verifyAll(flaky, flakyHook.path("secret").asText());
    JsonNode attempts = deliveries(ALICE, flakyHook.path("id").asText());
    for (String event : doneEvents) {
      List<JsonNode> tries = new ArrayList<>();
      attempts
          .path("items")
          .forEach(
              a -> {
                if (a.path("eventId").asText().equals(event)) {
                  tries.add(a);
                }
              });
      assertThat(tries).as("attempts of %s: %s", event, attempts).hasSize(4);
      assertThat(tries.stream().filter(a -> a.path("delivered").asBoolean()).count()).isEqualTo(1);
      assertThat(tries.stream().filter(a -> a.path("statusCode").asInt() == 503).count())
          .isEqualTo(3);
      assertThat(tries.get(0).path("delivered").asBoolean()).as("newest first").isTrue();
    }

    String dlq =
        aws.clients().sqs().getQueueUrl(r -> r.queueName(settings.deadLetterQueue())).queueUrl();
    await(
        () -> messagesIn(dlq) == aliceEvents.size(),
        "the dead receiver's deliveries end in the dead-letter queue");
    JsonNode dead = deliveries(ALICE, deadHook.path("id").asText());
    assertThat(dead.path("items").size()).isEqualTo(MAX_ATTEMPTS * aliceEvents.size());
    dead.path("items")
        .forEach(
            a -> {
              assertThat(a.path("delivered").asBoolean()).isFalse();
              assertThat(a.path("error").asText()).contains("Connect");
            });

    assertThat(call("GET", "/v1/webhooks/" + goodHook.path("id").asText(), BOB, null).statusCode())
        .as("another owner's webhook is not found")
        .isEqualTo(404);
    assertThat(
            call("DELETE", "/v1/webhooks/" + goodHook.path("id").asText(), BOB, null).statusCode())
        .isEqualTo(404);
    assertThat(call("GET", "/v1/webhooks", ALICE, null).body()).doesNotContain("whsec_");
  }

  private static String upload(String key, String name) {
    return acceptedId(
        http.uploadBytes(
            key, query("container", "demo", "path", root + "/" + name), new byte[] {1}));
  }

  private static Duration timeToDone(int tasks, String name) {
    long started = System.nanoTime();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < tasks; i++) {
      ids.add(upload(ALICE, name + i));
    }
    for (String id : ids) {
      assertThat(http.awaitFinished(ALICE, id, Duration.ofSeconds(30)).path("status").asText())
          .isEqualTo("DONE");
    }
    return Duration.ofNanos(System.nanoTime() - started);
  }

  /** Every signature verified from the Standard Webhooks specification, not production code. */
  private static void verifyAll(List<Received> received, String secret) throws Exception {
    assertThat(secret).startsWith("whsec_");
    byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
    for (Received r : received) {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] expected =
          mac.doFinal(
              (r.id() + "." + r.timestamp() + "." + r.body()).getBytes(StandardCharsets.UTF_8));
      assertThat(r.signature()).startsWith("v1,");
      assertThat(
              MessageDigest.isEqual(
                  expected, Base64.getDecoder().decode(r.signature().substring(3))))
          .as("signature of %s", r.id())
          .isTrue();
    }
  }

  private static JsonNode register(String key, String body) throws Exception {
    HttpResponse<String> response = call("POST", "/v1/webhooks", key, body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return JSON.readTree(response.body());
  }

  private static JsonNode deliveries(String key, String id) throws Exception {
    HttpResponse<String> response = call("GET", "/v1/webhooks/" + id + "/deliveries", key, null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private static HttpResponse<String> call(String method, String path, String key, String body)
      throws Exception {
    var request =
        HttpRequest.newBuilder(pipeline.baseUri().resolve(path))
            .timeout(Duration.ofSeconds(20))
            .header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Set<String> ids(List<Received> received) {
    return received.stream().map(Received::id).collect(Collectors.toSet());
  }

  private static int messagesIn(String queueUrl) {
    return Integer.parseInt(
        aws.clients()
            .sqs()
            .getQueueAttributes(
                r ->
                    r.queueUrl(queueUrl)
                        .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
            .attributes()
            .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(40).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within 40 s: " + what);
      }
      Thread.sleep(100);
    }
  }

  private static int closedPort() throws IOException {
    try (var socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void answer(HttpExchange exchange, List<Received> into, int status)
      throws IOException {
    try (exchange) {
      var headers = exchange.getRequestHeaders();
      into.add(
          new Received(
              headers.getFirst("webhook-id"),
              headers.getFirst("webhook-timestamp"),
              headers.getFirst("webhook-signature"),
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
      exchange.sendResponseHeaders(status, -1);
    }
  }
}
