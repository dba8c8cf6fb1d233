package dev.uplink.infra.pipeline;

import static dev.uplink.infra.testing.UplinkHttp.acceptedId;
import static dev.uplink.infra.testing.UplinkHttp.problem;
import static dev.uplink.infra.testing.UplinkHttp.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.api.UploadServices;
import dev.uplink.api.http.UploadApi;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.infra.testing.LocalAwsExtension;
import dev.uplink.infra.testing.QueueProbe;
import dev.uplink.infra.testing.UplinkHttp;
import java.net.URI;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * "A rejected request stores nothing", checked where it would be stored: this class has its own
 * bucket, table and queue, and runs the upload API over them with no processor consuming the queue,
 * so an object, a task item or a message left behind by a rejected request would be seen. The last
 * test is the control: an accepted upload does show up in all three probes.
 */
@DisplayName("Rejected uploads")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RejectedUploadTest {

  private static final String KEY = "key-alice";
  private static final String INSTANCE = "demo";
  private static final String PATH = "/srv/rejected.bin";
  private static final byte[] CONTENT = {'h', 'e', 'l', 'l', 'o'};

  @RegisterExtension static final LocalAwsExtension aws = LocalAwsExtension.create();

  private static UploadApi api;
  private static UplinkHttp http;

  @BeforeAll
  static void startApi() {
    UplinkConfig config = aws.config();
    // The pipeline's API without its poller: a message sent by mistake stays in the queue.
    api =
        UploadApi.start(
            "127.0.0.1", 0, Map.of(KEY, "alice"), UploadServices.onAws(config, aws.clients()));
    http = new UplinkHttp(URI.create("http://127.0.0.1:" + api.port()));
    assertNothingStored("before any request");
  }

  @AfterAll
  static void stopApi() {
    if (http != null) {
      http.close();
    }
    if (api != null) {
      api.close();
    }
  }

  /** One bad request, what it should be answered with, and the field it should name (or null). */
  record Rejection(
      Function<UplinkHttp, HttpResponse<String>> send, int status, String type, String field) {}

  private static Rejection raw(String query, byte[] body, String field) {
    return new Rejection(h -> h.uploadBytes(KEY, query, body), 400, "invalid-destination", field);
  }

  private static Named<Rejection> named(String name, Rejection rejection) {
    return Named.of(name, rejection);
  }

  static Stream<Named<Rejection>> rejections() {
    String container = "container";
    String path = "path";
    return Stream.of(
        named("missing container", raw(query(path, PATH), CONTENT, container)),
        named(
            "invalid container name",
            raw(query(container, "bad_name!", path, PATH), CONTENT, container)),
        named(
            "container name too long",
            raw(query(container, "a".repeat(64), path, PATH), CONTENT, container)),
        named("missing path", raw(query(container, INSTANCE), CONTENT, path)),
        named(
            "relative path",
            raw(query(container, INSTANCE, path, "srv/rejected.bin"), CONTENT, path)),
        named(
            "path with '..'",
            raw(query(container, INSTANCE, path, "/srv/../etc/passwd"), CONTENT, path)),
        named(
            "a name over 255 bytes",
            raw(query(container, INSTANCE, path, "/srv/" + "n".repeat(256)), CONTENT, path)),
        named(
            "a name of 128 characters that is 256 bytes in UTF-8",
            raw(query(container, INSTANCE, path, "/srv/" + "é".repeat(128)), CONTENT, path)),
        named(
            "a path over 4095 bytes",
            raw(
                query(container, INSTANCE, path, ("/" + "d".repeat(200)).repeat(21) + "/f.bin"),
                CONTENT,
                path)),
        named(
            "a name over 255 bytes in a presigned upload's declaration",
            new Rejection(
                h ->
                    h.post(
                        KEY,
                        "/presign",
                        Map.of(),
                        "application/json",
                        BodyPublishers.ofString(
                            ("{\"container\":\"%s\",\"path\":\"/srv/%s\",\"size\":5,"
                                    + "\"sha256\":\"%s\"}")
                                .formatted(INSTANCE, "n".repeat(256), "0".repeat(64)))),
                400,
                "invalid-destination",
                path)),
        named(
            "bad mode (not octal)",
            raw(query(container, INSTANCE, path, PATH, "mode", "0999"), CONTENT, "mode")),
        named(
            "bad mode (too large)",
            raw(query(container, INSTANCE, path, PATH, "mode", "17777"), CONTENT, "mode")),
        named(
            "invalid container in X-Container-Name",
            new Rejection(
                h ->
                    h.post(
                        KEY,
                        query(path, PATH),
                        Map.of("X-Container-Name", "-bad"),
                        "application/octet-stream",
                        BodyPublishers.ofByteArray(CONTENT)),
                400,
                "invalid-destination",
                container)),
        named(
            "relative path in X-File-Path",
            new Rejection(
                h ->
                    h.post(
                        KEY,
                        query(container, INSTANCE),
                        Map.of("X-File-Path", "rel.bin"),
                        "application/octet-stream",
                        BodyPublishers.ofByteArray(CONTENT)),
                400,
                "invalid-destination",
                path)),
        named(
            "empty raw body",
            new Rejection(
                h -> h.uploadBytes(KEY, query(container, INSTANCE, path, PATH), new byte[0]),
                400,
                "empty-body",
                null)),
        named(
            "multipart without a file part",
            multipart(
                new Multipart().field(container, INSTANCE).field(path, PATH),
                "missing-file",
                "file")),
        named(
            "multipart with an empty file part",
            multipart(
                new Multipart()
                    .field(container, INSTANCE)
                    .field(path, PATH)
                    .file("file", "empty.bin", new byte[0]),
                "empty-body",
                "file")),
        named(
            "multipart with an invalid path field",
            multipart(
                new Multipart()
                    .field(container, INSTANCE)
                    .field(path, "/srv/../x")
                    .file("file", "x.bin", CONTENT),
                "invalid-destination",
                path)),
        named(
            "multipart with a name over 255 bytes",
            multipart(
                new Multipart()
                    .field(container, INSTANCE)
                    .field(path, "/srv/" + "n".repeat(300))
                    .file("file", "x.bin", CONTENT),
                "invalid-destination",
                path)),
        named(
            "no API key",
            new Rejection(
                h -> h.uploadBytes(null, query(container, INSTANCE, path, PATH), CONTENT),
                401,
                "unauthorized",
                null)),
        named(
            "wrong API key",
            new Rejection(
                h -> h.uploadBytes("key-mallory", query(container, INSTANCE, path, PATH), CONTENT),
                401,
                "unauthorized",
                null)));
  }

  private static Rejection multipart(Multipart form, String type, String field) {
    return new Rejection(
        h -> h.post(KEY, "", Map.of(), form.contentType(), form.body()), 400, type, field);
  }

  @Order(1)
  @ParameterizedTest(name = "{0}")
  @MethodSource("rejections")
  @DisplayName("are answered with problem+json naming the field, and store nothing:")
  void isRejectedNamingTheFieldAndStoresNothing(Rejection rejection) {
    HttpResponse<String> response = rejection.send().apply(http);

    JsonNode body = problem(response, rejection.status(), rejection.type());
    if (rejection.field() == null) {
      assertThat(body.has("field")).as("problem names no field; body %s", body).isFalse();
    } else {
      assertThat(body.path("field").asText())
          .as("problem's field member")
          .isEqualTo(rejection.field());
      assertThat(body.path("detail").asText())
          .as("problem detail names the field")
          .contains(rejection.field());
    }
    assertNothingStored("after the rejected request");
  }

  @Order(2)
  @Test
  @DisplayName("control: an accepted upload shows up as one object, one task and one message")
  void acceptedUploadIsSeenByTheSameProbes() {
    acceptedId(http.uploadBytes(KEY, query("container", INSTANCE, "path", PATH), CONTENT));

    assertThat(objects()).as("objects in the bucket").isEqualTo(1);
    assertThat(items()).as("items in the task table").isEqualTo(1);
    assertThat(messages()).as("messages in the queue").isEqualTo(1);
  }

  private static void assertNothingStored(String when) {
    assertThat(objects()).as("objects in the bucket %s", when).isZero();
    assertThat(multipartUploads()).as("unfinished multipart uploads %s", when).isZero();
    assertThat(items()).as("items in the task table %s", when).isZero();
    assertThat(messages()).as("messages in the queue %s", when).isZero();
  }

  private static int objects() {
    return aws.clients().s3().listObjectsV2(r -> r.bucket(aws.settings().bucket())).keyCount();
  }

  private static int multipartUploads() {
    return aws.clients()
        .s3()
        .listMultipartUploads(r -> r.bucket(aws.settings().bucket()))
        .uploads()
        .size();
  }

  private static int items() {
    return aws.clients().dynamoDb().scan(r -> r.tableName(aws.settings().table())).count();
  }

  /** Visible, in flight and delayed: everything the queue holds. */
  private static long messages() {
    return QueueProbe.messages(aws.clients().sqs(), aws.resources().queueUrl());
  }
}
