package dev.uplink.infra.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.api.UploadLimits;
import dev.uplink.api.UploadService;
import dev.uplink.api.UploadServices;
import dev.uplink.api.http.ApiSettings;
import dev.uplink.api.http.Probes;
import dev.uplink.api.http.UploadApi;
import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.aws.DynamoDbTaskStore;
import dev.uplink.core.aws.OperatorServices;
import dev.uplink.core.aws.S3DirectUploads;
import dev.uplink.core.aws.S3ObjectStore;
import dev.uplink.core.aws.SqsTaskQueue;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.DestinationPolicy;
import dev.uplink.core.json.TaskMessage;
import dev.uplink.infra.testing.LocalAwsExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The upload API on the emulators, without a poller, for one test class ({@code @RegisterExtension
 * static final ApiFixture api = ApiFixture.create()}): messages stay in the queue, so tests can
 * count what was published. Keys: {@code key-alice} (alice, anywhere), {@code key-bob} (bob,
 * anywhere), {@code key-web} (carol, only {@code web-*:/srv/uploads/}), and the operator keys
 * {@code key-ops} (operator ops) and {@code key-ops-alice} (an operator named alice, like the
 * user). The operators' endpoints work on the fixture's queues and table.
 */
final class ApiFixture implements BeforeAllCallback, AfterAllCallback {

  static final String ALICE = "key-alice";
  static final String BOB = "key-bob";
  static final String WEB_ONLY = "key-web";
  static final String OPERATOR = "key-ops";
  static final String OPERATOR_ALICE = "key-ops-alice";
  static final long PART_SIZE = 5L * 1024 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();

  final LocalAwsExtension aws = LocalAwsExtension.create();
  private final UploadLimits limits;
  private final int maxConcurrentUploads;
  private final UnaryOperator<ApiSettings> settings;
  UploadService service;
  UploadApi api;
  DynamoDbTaskStore tasks;
  String queueUrl;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private ApiFixture(
      UploadLimits limits, int maxConcurrentUploads, UnaryOperator<ApiSettings> settings) {
    this.limits = limits;
    this.maxConcurrentUploads = maxConcurrentUploads;
    this.settings = settings;
  }

  /** Default limits with 5 MiB parts. */
  static ApiFixture create() {
    return create(limits(UploadLimits.defaults().presignExpiry()), 64);
  }

  static ApiFixture create(UploadLimits limits, int maxConcurrentUploads) {
    return new ApiFixture(limits, maxConcurrentUploads, UnaryOperator.identity());
  }

  /** Default limits with 5 MiB parts; {@code settings} changes the API's settings. */
  static ApiFixture create(int maxConcurrentUploads, UnaryOperator<ApiSettings> settings) {
    return new ApiFixture(
        limits(UploadLimits.defaults().presignExpiry()), maxConcurrentUploads, settings);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    aws.beforeAll(context);
    AwsClients clients = aws.clients();
    this.tasks = new DynamoDbTaskStore(clients.dynamoDb(), aws.settings().table());
    this.queueUrl = clients.queueUrl();
    this.service =
        new UploadService(
            tasks,
            new S3ObjectStore(clients.s3(), aws.settings().bucket(), (int) PART_SIZE),
            new SqsTaskQueue(clients.sqs(), queueUrl),
            Clock.systemUTC(),
            limits,
            Optional.of(S3DirectUploads.of(clients)),
            UploadServices.AWS_OUTAGES,
            Optional.empty());
    var callers =
        Map.of(
            ALICE, new Caller("alice", DestinationPolicy.allowAll()),
            BOB, new Caller("bob", DestinationPolicy.allowAll()),
            WEB_ONLY, new Caller("carol", DestinationPolicy.parse("web-*:/srv/uploads/")),
            OPERATOR, Caller.operator("ops"),
            OPERATOR_ALICE, Caller.operator("alice"));
    var defaults =
        new ApiSettings(
                callers,
                maxConcurrentUploads,
                ApiSettings.DEFAULT_MAX_WAIT,
                Probes.NONE,
                Optional.empty(),
                List.of())
            .withOperators(OperatorServices.onAws(aws.config(), clients));
    this.api = UploadApi.start("127.0.0.1", 0, settings.apply(defaults), service);
  }

  /** Default limits with 5 MiB parts and this URL expiry. */
  static UploadLimits limits(Duration presignExpiry) {
    return new UploadLimits(
        UploadLimits.DEFAULT_MAX_UPLOAD_BYTES,
        presignExpiry,
        PART_SIZE,
        UploadLimits.DEFAULT_UPLOAD_WINDOW);
  }

  URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + api.port() + pathAndQuery);
  }

  HttpRequest.Builder request(String key, String pathAndQuery) {
    var request = HttpRequest.newBuilder(uri(pathAndQuery)).timeout(Duration.ofSeconds(60));
    return key == null ? request : request.header("Authorization", "Bearer " + key);
  }

  HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  HttpResponse<String> get(String key, String pathAndQuery) {
    return send(request(key, pathAndQuery).GET().build());
  }

  HttpResponse<String> post(String key, String pathAndQuery) {
    return send(request(key, pathAndQuery).POST(BodyPublishers.noBody()).build());
  }

  HttpResponse<String> delete(String key, String pathAndQuery) {
    return send(request(key, pathAndQuery).DELETE().build());
  }

  HttpResponse<String> postJson(String key, String path, Map<String, Object> body) {
    return postJson(key, path, body, Map.of());
  }

  HttpResponse<String> postJson(
      String key, String path, Map<String, Object> body, Map<String, String> headers) {
    try {
      var request =
          request(key, path)
              .header("Content-Type", "application/json")
              .POST(BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
      headers.forEach(request::header);
      return send(request.build());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code POST /v1/uploads?container=&path=} with a raw body. */
  HttpResponse<String> upload(
      String key, String container, String path, BodyPublisher body, Map<String, String> headers) {
    var request =
        request(key, "/v1/uploads?container=" + container + "&path=" + path)
            .header("Content-Type", "application/octet-stream")
            .POST(body);
    headers.forEach(request::header);
    return send(request.build());
  }

  /** The JSON of a presign or multipart request for {@code content}. */
  static Map<String, Object> declaration(String container, String path, byte[] content) {
    return Map.of(
        "container", container, "path", path, "size", content.length, "sha256", sha256(content));
  }

  /** A presigned request made exactly as the API described it. */
  HttpResponse<String> sendPresigned(JsonNode presigned, BodyPublisher body) throws IOException {
    var request =
        HttpRequest.newBuilder(URI.create(presigned.path("url").asText()))
            .timeout(Duration.ofSeconds(60))
            .method(presigned.path("method").asText(), body);
    presigned
        .path("headers")
        .fields()
        .forEachRemaining(
            header -> {
              if (!header.getKey().equalsIgnoreCase("content-length")) {
                request.header(header.getKey(), header.getValue().asText());
              }
            });
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  static JsonNode json(HttpResponse<String> response) {
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode expect(HttpResponse<String> response, int status) {
    assertThat(response.statusCode()).as("%s", response.body()).isEqualTo(status);
    return json(response);
  }

  static JsonNode problem(HttpResponse<String> response, int status, String type) {
    JsonNode body = expect(response, status);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
    assertThat(body.path("type").asText()).isEqualTo("https://uplink.dev/problems/" + type);
    return body;
  }

  /** Task ids of every message now in the work queue (received and left invisible). */
  List<String> drainQueue() {
    var ids = new ArrayList<String>();
    while (true) {
      var messages =
          aws.clients()
              .sqs()
              .receiveMessage(
                  r ->
                      r.queueUrl(queueUrl)
                          .maxNumberOfMessages(10)
                          .visibilityTimeout(300)
                          .waitTimeSeconds(0))
              .messages();
      if (messages.isEmpty()) {
        return ids;
      }
      messages.forEach(m -> ids.add(TaskMessage.parse(m.body()).orElseThrow().value()));
    }
  }

  /** Keys under {@code uploads/} in the bucket. */
  List<String> storedKeys() {
    return aws
        .clients()
        .s3()
        .listObjectsV2Paginator(r -> r.bucket(aws.settings().bucket()).prefix("uploads/"))
        .contents()
        .stream()
        .map(S3Object::key)
        .toList();
  }

  static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    try {
      if (api != null) {
        api.close();
      }
    } finally {
      aws.afterAll(context);
    }
  }
}
