package dev.uplink.infra.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.core.config.ApiLimits;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.infra.LocalPipeline;
import dev.uplink.infra.testing.LocalAwsExtension;
import dev.uplink.infra.testing.TestFiles;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The local stack has no S3 object-created events: its sweeper completes a presigned upload whose
 * client never called complete, and fails one not uploaded within the upload window.
 */
@DisplayName("Presigned uploads completed or expired by the local sweeper")
class PresignedCompletionTest {

  private static final String KEY = "key-alice";
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static final LocalAwsExtension aws = LocalAwsExtension.create(Duration.ofSeconds(1), 3);

  private static UplinkConfig config;
  private static LocalPipeline pipeline;
  private static final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void startPipeline() {
    config =
        aws.config()
            .withApiKeys(Map.of(KEY, "alice"))
            .withApiLimits(
                new ApiLimits(1L << 30, 8, Duration.ofSeconds(3), Duration.ofSeconds(3)));
    pipeline = LocalPipeline.start(config, aws.clients(), "127.0.0.1");
  }

  @AfterAll
  static void stopPipeline() {
    if (pipeline != null) {
      pipeline.close();
    }
  }

  private static JsonNode send(HttpRequest.Builder request) throws Exception {
    HttpResponse<String> response =
        http.send(
            request.header("Authorization", "Bearer " + KEY).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
    return JSON.readTree(response.body());
  }

  private static JsonNode create(String kind, String path, byte[] content) throws Exception {
    return create(kind, path, content, Map.of());
  }

  private static JsonNode create(
      String kind, String path, byte[] content, Map<String, Object> extraFields) throws Exception {
    var declaration =
        new java.util.HashMap<String, Object>(
            Map.of(
                "container",
                "demo",
                "path",
                path,
                "size",
                content.length,
                "sha256",
                TestFiles.sha256(content)));
    declaration.putAll(extraFields);
    return send(
        HttpRequest.newBuilder(pipeline.baseUri().resolve("/v1/uploads/" + kind))
            .header("Content-Type", "application/json")
            .POST(BodyPublishers.ofByteArray(JSON.writeValueAsBytes(declaration))));
  }

  private static JsonNode awaitStatus(JsonNode created, String status) throws Exception {
    URI uri = pipeline.baseUri().resolve(created.path("statusUrl").asText());
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    JsonNode task;
    do {
      task = send(HttpRequest.newBuilder(uri).GET());
      if (task.path("status").asText().equals(status)) {
        return task;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < end);
    throw new AssertionError("task never became " + status + ": " + task);
  }

  /** The client's PUT of {@code content} as the presigned {@code request} says. */
  private static void put(JsonNode request, byte[] content) throws Exception {
    HttpResponse<String> answer = tryPut(request, content);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
  }

  private static HttpResponse<String> tryPut(JsonNode request, byte[] content) throws Exception {
    var put =
        HttpRequest.newBuilder(URI.create(request.path("url").asText()))
            .PUT(BodyPublishers.ofByteArray(content));
    request
        .path("headers")
        .fields()
        .forEachRemaining(
            h -> {
              // java.net.http sets Content-Length itself (and refuses it as a header).
              if (!h.getKey().equalsIgnoreCase("content-length")) {
                put.header(h.getKey(), h.getValue().asText());
              }
            });
    return http.send(put.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String expiredCode(JsonNode created) throws Exception {
    return awaitStatus(created, "FAILED").path("lastError").path("code").asText();
  }

  @Test
  @DisplayName("an uploaded object without a complete call is completed and delivered")
  void uploadedWithoutCompleteIsDelivered() throws Exception {
    byte[] content = "presigned, never completed".getBytes();
    JsonNode created = create("presign", "/srv/uploads/swept.txt", content);

    put(created.path("upload"), content);

    JsonNode done = awaitStatus(created, "DONE");
    assertThat(done.path("attempts").asInt()).isEqualTo(1);
    Path landed = config.dataDir().resolve("instances/demo/srv/uploads/swept.txt");
    assertThat(Files.readAllBytes(landed)).isEqualTo(content);
  }

  @Test
  @DisplayName(
      "a multipart upload whose parts assemble to other bytes fails INTEGRITY_MISMATCH, nothing"
          + " written")
  void multipartWithOtherBytesFailsInTheProcessorBeforeAnythingIsWritten() throws Exception {
    byte[] declared = new byte[64 * 1024];
    new java.util.Random(7).nextBytes(declared);
    byte[] other = declared.clone();
    other[other.length - 1] ^= 1;
    JsonNode created = create("multipart", "/srv/uploads/mismatch.bin", declared);
    JsonNode part =
        send(
            HttpRequest.newBuilder(
                    pipeline.baseUri().resolve(created.path("partsUrl").asText() + "/1"))
                .POST(BodyPublishers.noBody()));
    put(part, other);

    send(
        HttpRequest.newBuilder(pipeline.baseUri().resolve(created.path("completeUrl").asText()))
            .POST(BodyPublishers.noBody()));

    JsonNode failed = awaitStatus(created, "FAILED");
    assertThat(failed.path("lastError").path("code").asText()).isEqualTo("INTEGRITY_MISMATCH");
    assertThat(failed.path("attempts").asInt()).as("permanent: one attempt").isEqualTo(1);
    Path uploads = config.dataDir().resolve("instances/demo/srv/uploads");
    assertThat(uploads.resolve("mismatch.bin")).doesNotExist();
    if (Files.isDirectory(uploads)) {
      try (var names = Files.list(uploads)) {
        assertThat(names.map(p -> p.getFileName().toString()))
            .noneMatch(name -> name.startsWith(".uplink-"));
      }
    }
  }

  @Test
  @DisplayName(
      "a multipart upload with part checksums: S3 refuses a corrupted part, takes the good one,"
          + " and the file is delivered")
  void multipartWithPartChecksumsRefusesACorruptedPartAndDeliversTheGoodOne() throws Exception {
    byte[] content = new byte[64 * 1024];
    new java.util.Random(8).nextBytes(content);
    byte[] corrupted = content.clone();
    corrupted[1000] ^= 1;
    JsonNode created =
        create("multipart", "/srv/uploads/checked.bin", content, Map.of("partChecksums", true));
    JsonNode part =
        send(
            HttpRequest.newBuilder(
                    pipeline
                        .baseUri()
                        .resolve(
                            created.path("partsUrl").asText()
                                + "/1?sha256="
                                + TestFiles.sha256(content)))
                .POST(BodyPublishers.noBody()));

    HttpResponse<String> refused = tryPut(part, corrupted);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
    assertThat(refused.body()).contains("<Code>BadDigest</Code>");
    put(part, content);
    send(
        HttpRequest.newBuilder(pipeline.baseUri().resolve(created.path("completeUrl").asText()))
            .POST(BodyPublishers.noBody()));

    JsonNode done = awaitStatus(created, "DONE");
    assertThat(done.path("attempts").asInt()).isEqualTo(1);
    Path landed = config.dataDir().resolve("instances/demo/srv/uploads/checked.bin");
    assertThat(Files.readAllBytes(landed)).isEqualTo(content);
  }

  @Test
  @DisplayName("a presigned PUT not made within its window fails UPLOAD_EXPIRED")
  void putNotMadeWithinTheWindowExpires() throws Exception {
    JsonNode created = create("presign", "/srv/uploads/never.txt", new byte[10]);

    assertThat(expiredCode(created)).isEqualTo("UPLOAD_EXPIRED");
  }

  @Test
  @DisplayName("a multipart upload not completed within its window fails, its parts aborted")
  void multipartNotCompletedWithinTheWindowIsAborted() throws Exception {
    byte[] content = new byte[10];
    JsonNode created = create("multipart", "/srv/uploads/never.bin", content);
    String key = "uploads/" + created.path("id").asText();
    JsonNode part =
        send(
            HttpRequest.newBuilder(
                    pipeline.baseUri().resolve(created.path("partsUrl").asText() + "/1"))
                .POST(BodyPublishers.noBody()));
    put(part, content);
    assertThat(openUploads(key)).as("the part's upload, before the window ends").isOne();

    assertThat(expiredCode(created)).isEqualTo("UPLOAD_EXPIRED");

    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (openUploads(key) > 0) {
      assertThat(System.nanoTime()).as("parts aborted after the task failed").isLessThan(end);
      Thread.sleep(100);
    }
  }

  private static int openUploads(String key) {
    return aws.clients()
        .s3()
        .listMultipartUploads(r -> r.bucket(aws.settings().bucket()).prefix(key))
        .uploads()
        .size();
  }
}
