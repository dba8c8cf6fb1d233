package dev.uplink.api.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.api.ObjectKeys;
import dev.uplink.api.UploadLimits;
import dev.uplink.api.UploadService;
import dev.uplink.api.fakes.InMemoryDirectUploads;
import dev.uplink.api.fakes.RecordingTaskQueue;
import dev.uplink.api.fakes.StreamingObjectStore;
import dev.uplink.api.http.ApiSettings;
import dev.uplink.api.http.Multipart;
import dev.uplink.api.http.ProblemAssert;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.DestinationPolicy;
import dev.uplink.core.domain.DirectUpload;
import dev.uplink.core.domain.DirectUploads.UploadedPart;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.testing.InMemoryTaskStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the upload API promises whatever carries its requests: every transport (a socket, an API
 * Gateway event through Lambda) runs these same cases against the same in-memory service.
 *
 * <p>To add a case, write a {@code @Test} that builds a request with {@link #get}, {@link #post} or
 * {@link #request}, sends it with {@link #send} and asserts on the {@link ContractResponse} ({@link
 * #assertProblem} for errors); the fakes ({@link #tasks}, {@link #objects}, {@link #queue}) show
 * what the service stored. A transport is added by subclassing and implementing {@link #connect}.
 */
abstract class ApiContract {

  protected static final Map<String, String> KEYS = Map.of("key-alice", "alice", "key-bob", "bob");
  protected static final Instant NOW = Instant.parse("2026-11-22T06:30:00.123Z");
  protected static final String PROBLEMS = "https://uplink.dev/problems/";
  protected static final String VALID_QUERY = "?container=web&path=/srv/app/config.yaml";

  protected final InMemoryTaskStore tasks = new InMemoryTaskStore();
  protected final StreamingObjectStore objects = new StreamingObjectStore();
  protected final RecordingTaskQueue queue = new RecordingTaskQueue();
  protected final InMemoryDirectUploads direct = new InMemoryDirectUploads();
  private ContractClient client;

  /** 1 MiB: the largest file this contract's API accepts. */
  protected static final long MAX_UPLOAD = 1024 * 1024;

  /** The transport under test, serving the API on {@code settings} and {@code service}. */
  protected abstract ContractClient connect(ApiSettings settings, UploadService service)
      throws Exception;

  @BeforeEach
  void connectToTheApi() throws Exception {
    var service =
        new UploadService(
            tasks,
            objects,
            queue,
            Clock.fixed(NOW, ZoneOffset.UTC),
            UploadLimits.defaults().withMaxUploadBytes(MAX_UPLOAD),
            Optional.of(direct));
    var callers = new LinkedHashMap<>(ApiSettings.allowingAll(KEYS).callers());
    callers.put("key-carol", new Caller("carol", DestinationPolicy.parse("web-*:/srv/uploads/")));
    callers.put("key-dana", new Caller("dana", DestinationPolicy.parse("team-a/web-*:/srv/")));
    client = connect(ApiSettings.of(callers), service);
  }

  @AfterEach
  void disconnect() {
    client.close();
  }

  @Test
  void aRawUploadIsAcceptedWith202ALocationAndTheTaskIdAsJson() throws Exception {
    byte[] content = "port: 8080\nname: web\n".getBytes(StandardCharsets.UTF_8);

    var response = send(post("/v1/uploads" + VALID_QUERY).key("key-alice").octets(content));

    assertThat(response.status()).as("status of " + response.text()).isEqualTo(202);
    assertThat(response.header("Content-Type"))
        .as("Content-Type")
        .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    String id = response.json().path("id").asText();
    assertThat(TaskId.isValid(id)).as("id is a task id: " + id).isTrue();
    assertThat(response.header("Location")).as("Location").contains("/v1/uploads/" + id);
    assertThat(response.json().path("status").asText()).as("status member").isEqualTo("PENDING");
    assertThat(objects.object(ObjectKeys.of(new TaskId(id))))
        .as("stored object")
        .hasValueSatisfying(o -> assertThat(o.content()).contains(content));
    assertThat(queue.published()).as("published").containsExactly(new TaskId(id));
  }

  @Test
  void theStatusUrlAnswers200WithTheSameIdSizeAndSha256() throws Exception {
    byte[] content = "max_connections=100\n".getBytes(StandardCharsets.UTF_8);
    String location =
        send(post("/v1/uploads" + VALID_QUERY).key("key-alice").octets(content))
            .header("Location")
            .orElseThrow();

    var response = send(get(location).key("key-alice"));

    assertThat(response.status()).as("status of " + response.text()).isEqualTo(200);
    assertThat(response.header("Content-Type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    JsonNode task = response.json();
    assertThat("/v1/uploads/" + task.path("id").asText()).as("id").isEqualTo(location);
    assertThat(task.path("status").asText()).isEqualTo("PENDING");
    assertThat(task.path("container").asText()).isEqualTo("web");
    assertThat(task.path("path").asText()).isEqualTo("/srv/app/config.yaml");
    assertThat(task.path("size").asLong()).as("size").isEqualTo(content.length);
    assertThat(task.path("sha256").asText()).as("sha256").isEqualTo(sha256(content));
  }

  @Test
  void aHeadOfTheStatusUrlAnswers200WithoutABody() throws Exception {
    String location =
        send(post("/v1/uploads" + VALID_QUERY).key("key-alice").octets(new byte[] {7}))
            .header("Location")
            .orElseThrow();

    var response = send(request("HEAD", location).key("key-alice"));

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.body()).as("body").isEmpty();
  }

  @Test
  void aPercentEncodedQueryIsDecodedOnce() throws Exception {
    var response =
        send(
            post("/v1/uploads?container=web&path=%2Fsrv%2Fmy%20app%2Fa%2Bb%25.txt&mode=0600")
                .key("key-alice")
                .octets(new byte[] {1, 2}));

    assertThat(response.status()).as("status of " + response.text()).isEqualTo(202);
    assertThat(tasks.all().getFirst().destination())
        .isEqualTo(new Destination("web", "/srv/my app/a+b%.txt", 0600, 0, 0));
  }

  @Test
  void theDestinationMayComeAsHeaders() throws Exception {
    var response =
        send(
            post("/v1/uploads")
                .key("key-alice")
                .header("X-Container-Name", "db-1")
                .header("X-File-Path", "/etc/db/db.conf")
                .header("X-File-Mode", "0600")
                .octets("x".getBytes(StandardCharsets.UTF_8)));

    assertThat(response.status()).as("status of " + response.text()).isEqualTo(202);
    assertThat(tasks.all().getFirst().destination())
        .isEqualTo(new Destination("db-1", "/etc/db/db.conf", 0600, 0, 0));
  }

  @Test
  void aRequestWithoutAKeyIs401ProblemJson() throws Exception {
    var response = send(post("/v1/uploads" + VALID_QUERY).octets(new byte[] {1}));

    assertProblem(response, 401, PROBLEMS + "unauthorized", null);
    assertThat(response.header("WWW-Authenticate"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    assertNothingStored();
  }

  @Test
  void aRequestWithAWrongKeyIs401ProblemJsonThatDoesNotEchoTheKey() throws Exception {
    var response =
        send(post("/v1/uploads" + VALID_QUERY).key("key-mallory").octets(new byte[] {1}));

    assertProblem(response, 401, PROBLEMS + "unauthorized", null);
    assertThat(response.text()).as("the key is not echoed").doesNotContain("key-mallory");
    assertNothingStored();
  }

  @Test
  void aKeyDifferingOnlyInCaseIsRejectedEvenAfterTheRightOne() throws Exception {
    var accepted = send(post("/v1/uploads" + VALID_QUERY).key("key-alice").octets(new byte[] {1}));

    // A socket client reuses its connection here, where Jetty's header cache once matched
    // "Bearer Key-Alice" to the cached "Bearer key-alice".
    var rejected = send(post("/v1/uploads" + VALID_QUERY).key("Key-Alice").octets(new byte[] {1}));

    assertThat(accepted.status()).as("status with the right key").isEqualTo(202);
    assertProblem(rejected, 401, PROBLEMS + "unauthorized", null);
  }

  @Test
  void responsesDoNotNameTheServerSoftware() throws Exception {
    var response = send(get("/v2/things").key("key-alice"));

    assertThat(response.header("Server")).as("Server").isEmpty();
    assertThat(response.header("X-Powered-By")).as("X-Powered-By").isEmpty();
  }

  @Test
  void anotherOwnersTaskIs404WithNothingAboutTheTask() throws Exception {
    String location =
        send(post("/v1/uploads" + VALID_QUERY).key("key-alice").octets(new byte[] {1}))
            .header("Location")
            .orElseThrow();

    var response = send(get(location).key("key-bob"));

    assertProblem(response, 404, PROBLEMS + "not-found", null);
    assertThat(response.text()).doesNotContain("/srv/app", "alice", "PENDING");
  }

  @Test
  void anUnknownRouteIs404ProblemJson() throws Exception {
    var response = send(get("/v2/things").key("key-alice"));

    assertProblem(response, 404, PROBLEMS + "not-found", null);
  }

  @Test
  void aWrongMethodIs405ProblemJsonWithAllow() throws Exception {
    var response = send(request("PUT", "/v1/uploads").key("key-alice").octets(new byte[] {1}));

    assertProblem(response, 405, PROBLEMS + "method-not-allowed", null);
    assertThat(response.header("Allow"))
        .as("Allow")
        .hasValueSatisfying(
            allow -> assertThat(allow.split(", ")).contains("POST").doesNotContain("PUT"));
    assertNothingStored();
  }

  @Test
  void anInvalidDestinationIs400ProblemJsonNamingTheFieldAndStoresNothing() throws Exception {
    var response =
        send(
            post("/v1/uploads?container=web&path=relative/path")
                .key("key-alice")
                .octets(new byte[] {1}));

    assertProblem(response, 400, PROBLEMS + "invalid-destination", "path");
    assertNothingStored();
  }

  @Test
  void aBinaryBodyWithEveryByteValueIsStoredByteForByte() throws Exception {
    byte[] content = new byte[256 * 4];
    for (int i = 0; i < content.length; i++) {
      content[i] = (byte) (i * 7 + i / 256);
    }
    assertThat(distinctByteValues(content)).as("the body holds every byte value").isEqualTo(256);

    var accepted = send(post("/v1/uploads" + VALID_QUERY).key("key-alice").octets(content));
    var status = send(get(accepted.header("Location").orElseThrow()).key("key-alice"));

    assertThat(accepted.status()).as("status of " + accepted.text()).isEqualTo(202);
    assertThat(status.json().path("sha256").asText()).as("sha256").isEqualTo(sha256(content));
    assertThat(status.json().path("size").asLong()).as("size").isEqualTo(content.length);
    String id = accepted.json().path("id").asText();
    assertThat(objects.object(ObjectKeys.of(new TaskId(id))))
        .hasValueSatisfying(o -> assertThat(o.content()).contains(content));
  }

  @Test
  void aMultipartUploadIsAcceptedAndStoresExactlyTheFilePart() throws Exception {
    byte[] content =
        "#!/bin/sh\necho hi\r\n--not-a-boundary\r\n\0\1\2".getBytes(StandardCharsets.UTF_8);
    byte[] body =
        new Multipart()
            .field("container", "web")
            .field("path", "/usr/local/bin/hi")
            .field("mode", "0755")
            .file("file", "hi.sh", content)
            .build();

    var response = send(post("/v1/uploads").key("key-alice").body(Multipart.CONTENT_TYPE, body));

    assertThat(response.status()).as("status of " + response.text()).isEqualTo(202);
    String id = response.json().path("id").asText();
    assertThat(tasks.all().getFirst().destination())
        .isEqualTo(new Destination("web", "/usr/local/bin/hi", 0755, 0, 0));
    assertThat(objects.object(ObjectKeys.of(new TaskId(id))))
        .hasValueSatisfying(o -> assertThat(o.content()).contains(content));
  }

  // --- the complete API: presigned uploads, listing, cancel, long-poll, limits ------------------

  private static byte[] json(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private Request declare(String route, String key, String container, String path, byte[] file)
      throws Exception {
    return post("/v1/uploads/" + route)
        .key(key)
        .body(
            "application/json",
            json(
                "{\"container\":\"%s\",\"path\":\"%s\",\"size\":%d,\"sha256\":\"%s\"}"
                    .formatted(container, path, file.length, sha256(file))));
  }

  @Test
  void aPresignedUploadIsCreatedAwaitsItsBytesAndCompletesOnce() throws Exception {
    byte[] file = "presigned".getBytes(StandardCharsets.UTF_8);

    var created = send(declare("presign", "key-alice", "web", "/srv/p.txt", file));

    assertThat(created.status()).as(created.text()).isEqualTo(201);
    JsonNode body = created.json();
    assertThat(body.path("status").asText()).isEqualTo("AWAITING_UPLOAD");
    assertThat(body.path("upload").path("method").asText()).isEqualTo("PUT");
    assertThat(body.path("upload").path("headers").path("content-length").asText())
        .isEqualTo(Integer.toString(file.length));
    String complete = body.path("completeUrl").asText();
    assertProblem(send(post(complete).key("key-alice")), 409, PROBLEMS + "upload-incomplete", null);

    direct.putObject("uploads/" + body.path("id").asText(), file);
    var completed = send(post(complete).key("key-alice"));
    var again = send(post(complete).key("key-alice"));

    assertThat(completed.status()).as(completed.text()).isEqualTo(202);
    assertThat(completed.json().path("status").asText()).isEqualTo("PENDING");
    assertThat(again.status()).isEqualTo(202);
    assertThat(queue.published()).containsExactly(new TaskId(body.path("id").asText()));
  }

  @Test
  void aMultipartUploadHandsOutPartUrlsAndListsTheParts() throws Exception {
    byte[] file = new byte[1000];
    var created = send(declare("multipart", "key-alice", "web", "/srv/m.bin", file));
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    JsonNode body = created.json();
    int parts = body.path("partCount").asInt();
    assertThat(parts).isEqualTo(1);

    var part = send(post(body.path("statusUrl").asText() + "/parts/1").key("key-alice"));
    var outOfRange = send(post(body.path("statusUrl").asText() + "/parts/2").key("key-alice"));
    var listed = send(get(body.path("partsUrl").asText()).key("key-alice"));

    assertThat(part.status()).as(part.text()).isEqualTo(200);
    assertThat(part.json().path("url").asText()).contains("partNumber=1");
    assertProblem(outOfRange, 400, PROBLEMS + "invalid-request", "partNumber");
    assertThat(listed.status()).isEqualTo(200);
    assertThat(listed.json().path("parts").isArray()).isTrue();
  }

  @Test
  void aMultipartUploadWithPartChecksumsSignsEachPartsSha256AndCompletesWithoutReadingTheObject()
      throws Exception {
    byte[] file = "parts with checksums".getBytes(StandardCharsets.UTF_8);
    var created = send(declareWithPartChecksums("key-alice", "/srv/c.bin", file, "true"));
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    JsonNode body = created.json();
    String uploadId = multipartUploadId(body.path("id").asText());
    assertThat(direct.hasSha256Parts(uploadId)).as("the store's upload checks parts").isTrue();

    var part =
        send(
            post(body.path("statusUrl").asText() + "/parts/1?sha256=" + sha256(file))
                .key("key-alice"));
    assertThat(part.status()).as(part.text()).isEqualTo(200);
    assertThat(part.json().path("headers").path("x-amz-checksum-sha256").asText())
        .as("the part's SHA-256 is signed, in S3's base64")
        .isEqualTo(Base64.getEncoder().encodeToString(HexFormat.of().parseHex(sha256(file))));
    direct.putPart(uploadId, 1, file);
    var listed = send(get(body.path("partsUrl").asText()).key("key-alice"));
    var completed = send(post(body.path("completeUrl").asText()).key("key-alice"));

    assertThat(listed.json().path("parts").path(0).path("sha256").asText())
        .as("the part's checksum as the store lists it")
        .isEqualTo(sha256(file));
    assertThat(completed.status()).as(completed.text()).isEqualTo(202);
    assertThat(completed.json().path("status").asText()).isEqualTo("PENDING");
    assertThat(direct.completions())
        .singleElement()
        .satisfies(
            parts ->
                assertThat(parts)
                    .extracting(UploadedPart::number, UploadedPart::sha256Hex)
                    .as("the store is handed the parts' checksums to check the whole against")
                    .containsExactly(tuple(1, Optional.of(sha256(file)))));
    assertThat(direct.objectReads()).as("the object is never read back to hash it").isZero();
  }

  @Test
  void aMultipartUploadWithoutPartChecksumsSignsNoneAndStillCompletes() throws Exception {
    byte[] file = "parts without checksums".getBytes(StandardCharsets.UTF_8);
    var created = send(declare("multipart", "key-alice", "web", "/srv/n.bin", file));
    JsonNode body = created.json();
    String uploadId = multipartUploadId(body.path("id").asText());

    var part = send(post(body.path("statusUrl").asText() + "/parts/1").key("key-alice"));
    direct.putPart(uploadId, 1, file);
    var completed = send(post(body.path("completeUrl").asText()).key("key-alice"));

    assertThat(direct.hasSha256Parts(uploadId)).isFalse();
    assertThat(part.json().path("headers").has("x-amz-checksum-sha256")).isFalse();
    assertThat(completed.status()).as(completed.text()).isEqualTo(202);
    assertThat(direct.objectReads()).as("the object is never read back to hash it").isZero();
  }

  @Test
  void aMalformedPartSha256OrPartChecksumsDeclarationIs400() throws Exception {
    byte[] file = new byte[10];
    JsonNode body = send(declare("multipart", "key-alice", "web", "/srv/x.bin", file)).json();

    var upperCase =
        send(
            post(body.path("statusUrl").asText() + "/parts/1?sha256=" + "A".repeat(64))
                .key("key-alice"));
    var notABoolean = send(declareWithPartChecksums("key-alice", "/srv/y.bin", file, "\"yes\""));
    var onASinglePut =
        send(
            post("/v1/uploads/presign")
                .key("key-alice")
                .body(
                    "application/json",
                    json(
                        ("{\"container\":\"web\",\"path\":\"/srv/z.bin\",\"size\":10,"
                                + "\"sha256\":\"%s\",\"partChecksums\":true}")
                            .formatted(sha256(file)))));

    assertProblem(upperCase, 400, PROBLEMS + "invalid-request", "sha256");
    assertProblem(notABoolean, 400, PROBLEMS + "invalid-request", "partChecksums");
    assertProblem(onASinglePut, 400, PROBLEMS + "invalid-request", "partChecksums");
    assertThat(tasks.all()).as("only the first declaration was recorded").hasSize(1);
  }

  private Request declareWithPartChecksums(String key, String path, byte[] file, String value)
      throws Exception {
    return post("/v1/uploads/multipart")
        .key(key)
        .body(
            "application/json",
            json(
                "{\"container\":\"web\",\"path\":\"%s\",\"size\":%d,\"sha256\":\"%s\",\"partChecksums\":%s}"
                    .formatted(path, file.length, sha256(file), value)));
  }

  private String multipartUploadId(String taskId) {
    return tasks
        .find(new TaskId(taskId))
        .flatMap(UploadTask::directUpload)
        .flatMap(DirectUpload::multipartUploadId)
        .orElseThrow();
  }

  @Test
  void aPresignRequestMustBeJsonWithEveryRequiredField() throws Exception {
    var notJson =
        send(post("/v1/uploads/presign").key("key-alice").body("text/plain", json("size=1")));
    var noSha =
        send(
            post("/v1/uploads/presign")
                .key("key-alice")
                .body(
                    "application/json",
                    json("{\"container\":\"web\",\"path\":\"/a\",\"size\":1}")));
    var unknownField =
        send(
            post("/v1/uploads/presign")
                .key("key-alice")
                .body(
                    "application/json",
                    json("{\"container\":\"web\",\"path\":\"/a\",\"bogus\":1}")));

    assertProblem(notJson, 415, PROBLEMS + "unsupported-media-type", null);
    assertProblem(noSha, 400, PROBLEMS + "invalid-request", "sha256");
    assertProblem(unknownField, 400, PROBLEMS + "invalid-request", "bogus");
    assertThat(tasks.all()).isEmpty();
  }

  // --- modes are exact or refused: Incus cannot set setuid, setgid or sticky bits -------------

  private static final String SPECIAL_BITS_REFUSED =
      "mode must be between 0000 and 0777: Incus cannot set setuid, setgid or sticky bits";

  @ParameterizedTest(name = "mode={0}")
  @ValueSource(strings = {"4755", "2750", "1777"})
  void givenASetuidSetgidOrStickyMode_whenPostingAStreamedUpload_then400ProblemJsonAndNothingStored(
      String mode) throws Exception {
    var response =
        send(
            post("/v1/uploads?container=web&path=/usr/local/bin/tool&uid=1000&gid=1000&mode="
                    + mode)
                .key("key-alice")
                .octets(new byte[] {1, 2, 3}));

    assertProblem(response, 400, PROBLEMS + "invalid-destination", "mode");
    assertThat(response.json().path("detail").asText())
        .isEqualTo(SPECIAL_BITS_REFUSED + " (got " + mode + ")");
    assertNothingStored();
  }

  @ParameterizedTest(name = "{0} with mode {1}")
  @CsvSource({
    "presign, '\"4755\"'",
    "presign, 2750",
    "presign, '\"01777\"'",
    "multipart, '\"4755\"'",
    "multipart, 2750",
    "multipart, '\"1777\"'"
  })
  void givenASetuidSetgidOrStickyMode_whenDeclaringADirectUpload_then400ProblemJsonAndNoTask(
      String route, String mode) throws Exception {
    var response = send(declaration(route, mode));

    assertProblem(response, 400, PROBLEMS + "invalid-destination", "mode");
    assertThat(response.json().path("detail").asText()).startsWith(SPECIAL_BITS_REFUSED + " (got ");
    assertNothingStored();
  }

  @ParameterizedTest(name = "{0} with mode {1}")
  @CsvSource({
    "presign, '\"0600\"', 0600",
    "presign, '\"640\"', 0640",
    "multipart, '\"0755\"', 0755",
    "multipart, '\"0700\"', 0700",
    "presign, 640, 0640",
    "presign, 44, 0044",
    "multipart, 0, 0000"
  })
  void givenAModeWithoutSpecialBits_whenDeclaringADirectUpload_then201AndTheTaskHasExactlyIt(
      String route, String mode, String octal) throws Exception {
    var response = send(declaration(route, mode));

    assertThat(response.status()).as(response.text()).isEqualTo(201);
    assertThat(tasks.all().getFirst().destination())
        .isEqualTo(
            new Destination("web", "/usr/local/bin/tool", Integer.parseInt(octal, 8), 1000, 1000));
    var task = send(get(response.json().path("statusUrl").asText()).key("key-alice"));
    assertThat(task.json().path("mode").asText()).isEqualTo(octal);
  }

  /** A presign or multipart declaration of a 3-byte file owned by 1000:1000 with this mode. */
  private Request declaration(String route, String modeJson) throws Exception {
    return post("/v1/uploads/" + route)
        .key("key-alice")
        .body(
            "application/json",
            json(
                ("{\"container\":\"web\",\"path\":\"/usr/local/bin/tool\",\"mode\":%s,"
                        + "\"uid\":1000,\"gid\":1000,\"size\":3,\"sha256\":\"%s\"}")
                    .formatted(modeJson, sha256(new byte[] {1, 2, 3}))));
  }

  @Test
  void aDestinationOutsideTheKeysPolicyIs403AndStoresNothing() throws Exception {
    var streamed =
        send(
            post("/v1/uploads?container=db-1&path=/srv/uploads/a")
                .key("key-carol")
                .octets(new byte[] {1}));
    var presigned = send(declare("presign", "key-carol", "web-1", "/etc/passwd", new byte[] {1}));
    var allowed =
        send(
            post("/v1/uploads?container=web-1&path=/srv/uploads/a")
                .key("key-carol")
                .octets(new byte[] {1}));

    assertProblem(streamed, 403, PROBLEMS + "destination-forbidden", "container");
    assertProblem(presigned, 403, PROBLEMS + "destination-forbidden", "path");
    assertThat(allowed.status()).isEqualTo(202);
    assertThat(tasks.all()).hasSize(1);
  }

  @Test
  void aProjectTravelsInTheQueryTheHeaderOrTheDeclarationAndTheTaskShowsIt() throws Exception {
    byte[] file = {1, 2, 3};
    var byQuery =
        send(post("/v1/uploads" + VALID_QUERY + "&project=team-a").key("key-alice").octets(file));
    var byHeader =
        send(
            post("/v1/uploads" + VALID_QUERY)
                .key("key-alice")
                .header("X-Project-Name", "team-b")
                .octets(file));
    var presigned =
        send(
            post("/v1/uploads/presign")
                .key("key-alice")
                .body(
                    "application/json",
                    json(
                        ("{\"project\":\"team-c\",\"container\":\"web\",\"path\":\"/srv/a\","
                                + "\"size\":3,\"sha256\":\"%s\"}")
                            .formatted(sha256(file)))));
    var multipart =
        send(
            post("/v1/uploads/multipart")
                .key("key-alice")
                .body(
                    "application/json",
                    json(
                        ("{\"project\":\"team-d\",\"container\":\"web\",\"path\":\"/srv/a\","
                                + "\"size\":3,\"sha256\":\"%s\"}")
                            .formatted(sha256(file)))));
    var unnamed = send(post("/v1/uploads" + VALID_QUERY).key("key-alice").octets(file));

    assertThat(List.of(byQuery, byHeader, presigned, multipart, unnamed))
        .extracting(ContractResponse::status)
        .containsExactly(202, 202, 201, 201, 202);
    assertThat(
            List.of(byQuery, byHeader, presigned, multipart, unnamed).stream()
                .map(r -> taskJson(r.json().path("id").asText()).path("project").asText()))
        .containsExactly("team-a", "team-b", "team-c", "team-d", "default");
    assertThat(tasks.all())
        .extracting(t -> t.destination().project())
        .containsExactlyInAnyOrder("team-a", "team-b", "team-c", "team-d", "default");
    assertThat(taskJson(unnamed.json().path("id").asText()).has("remote"))
        .as("no remote member for the default remote")
        .isFalse();
  }

  private JsonNode taskJson(String id) {
    try {
      return send(get("/v1/uploads/" + id).key("key-alice")).json();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aKeyGrantedOneProjectIs403ForAnotherNamingTheProjectAndStoresNothing() throws Exception {
    var otherProject =
        send(
            post("/v1/uploads?project=team-b&container=web-1&path=/srv/a")
                .key("key-dana")
                .octets(new byte[] {1}));
    var defaultProject =
        send(
            post("/v1/uploads?container=web-1&path=/srv/a").key("key-dana").octets(new byte[] {1}));
    var presigned =
        send(
            post("/v1/uploads/presign")
                .key("key-dana")
                .header("X-Project-Name", "team-b")
                .body(
                    "application/json",
                    json(
                        ("{\"project\":\"team-b\",\"container\":\"web-1\",\"path\":\"/srv/a\","
                                + "\"size\":1,\"sha256\":\"%s\"}")
                            .formatted(sha256(new byte[] {1})))));

    assertProblem(otherProject, 403, PROBLEMS + "destination-forbidden", "project");
    assertProblem(defaultProject, 403, PROBLEMS + "destination-forbidden", "project");
    assertProblem(presigned, 403, PROBLEMS + "destination-forbidden", "project");
    assertThat(otherProject.json().path("detail").asText()).contains("team-b");
    assertNothingStored();

    var allowed =
        send(
            post("/v1/uploads?project=team-a&container=web-1&path=/srv/a")
                .key("key-dana")
                .octets(new byte[] {1}));
    assertThat(allowed.status()).as(allowed.text()).isEqualTo(202);
  }

  @Test
  void aProjectGivenTwiceWithDifferentValuesOrMalformedIs400NamingTheProject() throws Exception {
    var differing =
        send(
            post("/v1/uploads" + VALID_QUERY + "&project=team-a")
                .key("key-alice")
                .header("X-Project-Name", "team-b")
                .octets(new byte[] {1}));
    var malformed =
        send(
            post("/v1/uploads" + VALID_QUERY + "&project=team%2Fa")
                .key("key-alice")
                .octets(new byte[] {1}));
    var badListFilter = send(get("/v1/uploads?project=-x").key("key-alice"));

    assertProblem(differing, 400, PROBLEMS + "invalid-destination", "project");
    assertProblem(malformed, 400, PROBLEMS + "invalid-destination", "project");
    assertProblem(badListFilter, 400, PROBLEMS + "invalid-request", "project");
    assertNothingStored();
  }

  @Test
  void theListFiltersByProjectAndKeepsTheFilterInItsNextLink() throws Exception {
    for (String project : List.of("team-a", "team-b", "team-a", "team-a")) {
      send(
          post("/v1/uploads" + VALID_QUERY + "&project=" + project)
              .key("key-alice")
              .octets(new byte[] {1}));
    }
    send(post("/v1/uploads" + VALID_QUERY).key("key-alice").octets(new byte[] {1}));

    var teamA = send(get("/v1/uploads?project=team-a&container=web&limit=2").key("key-alice"));
    var inDefault = send(get("/v1/uploads?project=default").key("key-alice"));

    assertThat(teamA.json().path("items").findValuesAsText("project"))
        .containsExactly("team-a", "team-a");
    assertThat(teamA.header("Link"))
        .hasValueSatisfying(link -> assertThat(link).contains("project=team-a"));
    assertThat(inDefault.json().path("items").findValuesAsText("project"))
        .containsExactly("default");
  }

  @Test
  void aFileOverTheLimitIs413() throws Exception {
    var streamed =
        send(
            post("/v1/uploads" + VALID_QUERY)
                .key("key-alice")
                .octets(new byte[(int) MAX_UPLOAD + 1]));
    var presigned =
        send(declare("presign", "key-alice", "web", "/srv/big", new byte[(int) MAX_UPLOAD + 1]));

    assertProblem(streamed, 413, PROBLEMS + "too-large", "Content-Length");
    assertProblem(presigned, 413, PROBLEMS + "too-large", "size");
    assertNothingStored();
  }

  @Test
  void anIdempotencyKeyMakesARetryReturnTheSameTask() throws Exception {
    var first =
        send(
            post("/v1/uploads" + VALID_QUERY)
                .key("key-alice")
                .header("Idempotency-Key", "k1")
                .octets(new byte[] {1}));
    var retry =
        send(
            post("/v1/uploads" + VALID_QUERY)
                .key("key-alice")
                .header("Idempotency-Key", "k1")
                .octets(new byte[] {1}));
    var elsewhere =
        send(
            post("/v1/uploads?container=web&path=/srv/other")
                .key("key-alice")
                .header("Idempotency-Key", "k1")
                .octets(new byte[] {1}));

    assertThat(retry.json().path("id")).isEqualTo(first.json().path("id"));
    assertProblem(elsewhere, 409, PROBLEMS + "idempotency-key-reused", "Idempotency-Key");
    assertThat(tasks.all()).hasSize(1);
  }

  @Test
  void theCallersTasksAreListedNewestFirstPageByPage() throws Exception {
    for (int i = 0; i < 5; i++) {
      send(post("/v1/uploads" + VALID_QUERY).key("key-alice").octets(new byte[] {(byte) i}));
    }
    send(post("/v1/uploads" + VALID_QUERY).key("key-bob").octets(new byte[] {9}));

    var first = send(get("/v1/uploads?limit=3").key("key-alice"));
    String cursor = first.json().path("nextCursor").asText();
    var second = send(get("/v1/uploads?limit=3&cursor=" + cursor).key("key-alice"));

    assertThat(first.status()).isEqualTo(200);
    assertThat(first.json().path("items")).hasSize(3);
    assertThat(first.header("Link"))
        .hasValueSatisfying(l -> assertThat(l).contains("rel=\"next\""));
    assertThat(second.json().path("items")).hasSize(2);
    assertThat(second.json().path("nextCursor").isNull()).isTrue();
    assertProblem(
        send(get("/v1/uploads?cursor=zzz").key("key-alice")),
        400,
        PROBLEMS + "invalid-request",
        "cursor");
  }

  @Test
  void aPendingTaskCanBeCancelledButNotOnceAWorkerHasIt() throws Exception {
    String pending =
        send(post("/v1/uploads" + VALID_QUERY).key("key-alice").octets(new byte[] {1}))
            .header("Location")
            .orElseThrow();
    String claimed =
        send(post("/v1/uploads" + VALID_QUERY).key("key-alice").octets(new byte[] {2}))
            .header("Location")
            .orElseThrow();
    tasks.claim(
        new TaskId(claimed.substring(claimed.lastIndexOf('/') + 1)),
        NOW,
        java.time.Duration.ofMinutes(1));

    var cancelled = send(request("DELETE", pending).key("key-alice"));
    var refused = send(request("DELETE", claimed).key("key-alice"));

    assertThat(cancelled.status()).isEqualTo(200);
    assertThat(cancelled.json().path("status").asText()).isEqualTo("CANCELLED");
    assertThat(cancelled.json().path("timeline"))
        .as("the cancelled task's timeline")
        .extracting(
            t -> t.path("from").asText(null),
            t -> t.path("to").asText(),
            t -> t.path("attempt").asInt(),
            t -> t.path("reason").asText())
        .containsExactly(
            tuple(null, "PENDING", 0, "uploaded"),
            tuple("PENDING", "CANCELLED", 0, "cancelled by its owner"));
    assertThat(send(get(claimed).key("key-alice")).json().path("timeline"))
        .extracting(t -> t.path("to").asText(), t -> t.path("attempt").asInt())
        .containsExactly(tuple("PENDING", 0), tuple("PROCESSING", 1));
    assertProblem(refused, 409, PROBLEMS + "wrong-status", null);
    assertThat(refused.json().path("taskStatus").asText()).isEqualTo("PROCESSING");
  }

  @Test
  void aLongPollAnswersAfterTheWaitWhenNothingChanges() throws Exception {
    String location =
        send(post("/v1/uploads" + VALID_QUERY).key("key-alice").octets(new byte[] {1}))
            .header("Location")
            .orElseThrow();

    long started = System.nanoTime();
    var response = send(get(location + "?wait=1").key("key-alice"));

    assertThat(response.status()).isEqualTo(200);
    assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(900_000_000L);
    assertProblem(
        send(get(location + "?wait=soon").key("key-alice")),
        400,
        PROBLEMS + "invalid-request",
        "wait");
  }

  @Test
  void theOpenApiDocumentIsServedWithoutAKey() throws Exception {
    var response = send(get("/openapi.json"));

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json().path("openapi").asText()).isEqualTo("3.1.0");
  }

  /** A request to build on: {@code .key(..)}, {@code .header(..)}, {@code .body(..)}. */
  protected record Request(
      String method, String pathAndQuery, Map<String, String> headers, byte[] body) {

    /** With {@code Authorization: Bearer key}. */
    public Request key(String key) {
      return header("Authorization", "Bearer " + key);
    }

    public Request header(String name, String value) {
      var more = new LinkedHashMap<>(headers);
      more.put(name, value);
      return new Request(method, pathAndQuery, more, body);
    }

    /** With this body and {@code Content-Type}. */
    public Request body(String contentType, byte[] content) {
      return new Request(method, pathAndQuery, headers, content)
          .header("Content-Type", contentType);
    }

    /** With this body as {@code application/octet-stream}. */
    public Request octets(byte[] content) {
      return body("application/octet-stream", content);
    }
  }

  protected static Request request(String method, String pathAndQuery) {
    return new Request(method, pathAndQuery, Map.of(), new byte[0]);
  }

  protected static Request get(String pathAndQuery) {
    return request("GET", pathAndQuery);
  }

  protected static Request post(String pathAndQuery) {
    return request("POST", pathAndQuery);
  }

  protected ContractResponse send(Request request) throws Exception {
    return client.send(request.method(), request.pathAndQuery(), request.headers(), request.body());
  }

  /**
   * An RFC 9457 answer: the status, {@code application/problem+json}, a {@code type} and {@code
   * title}, the status repeated, a {@code detail}, and {@code field} exactly when one is at fault.
   */
  protected static void assertProblem(
      ContractResponse response, int status, String type, String field) {
    ProblemAssert.assertProblem(
        response.status(),
        response.header("Content-Type"),
        response.json(),
        response.text(),
        status,
        type,
        field);
  }

  protected void assertNothingStored() {
    assertThat(objects.putsStarted()).as("object store puts").isZero();
    assertThat(tasks.all()).as("tasks").isEmpty();
    assertThat(queue.published()).as("published ids").isEmpty();
  }

  protected static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private static long distinctByteValues(byte[] bytes) {
    var seen = new boolean[256];
    for (byte b : bytes) {
      seen[b & 0xff] = true;
    }
    long count = 0;
    for (boolean s : seen) {
      count += s ? 1 : 0;
    }
    return count;
  }
}
