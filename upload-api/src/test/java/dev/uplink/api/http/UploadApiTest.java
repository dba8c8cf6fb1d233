package dev.uplink.api.http;

import static dev.uplink.core.testing.TaskBuilder.aTask;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.api.UploadService;
import dev.uplink.api.fakes.Outage;
import dev.uplink.api.fakes.RecordingTaskQueue;
import dev.uplink.api.fakes.StreamingObjectStore;
import dev.uplink.core.domain.DependencyException;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.ObjectStore;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.testing.InMemoryTaskStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

class UploadApiTest {

  private static final Map<String, String> KEYS = Map.of("key-alice", "alice", "key-bob", "bob");
  private static final Instant NOW = Instant.parse("2026-11-22T06:30:00.123Z");
  private static final String PROBLEMS = "https://uplink.dev/problems/";
  private static final String VALID_QUERY = "?container=web&path=/srv/app/config.yaml";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MiB = 1024 * 1024;

  private final InMemoryTaskStore tasks = new InMemoryTaskStore();
  private final StreamingObjectStore objects = new StreamingObjectStore();
  private final RecordingTaskQueue queue = new RecordingTaskQueue();
  private UploadApi api;
  private HttpClient http;

  @BeforeEach
  void startApi() {
    api = start(objects);
    http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  @AfterEach
  void stopApi() {
    http.close();
    api.close();
  }

  @Nested
  class RawUploads {

    @Test
    void givenARawBody_whenPosting_then202WithLocationAndAPendingTaskWithSizeAndSha256()
        throws Exception {
      byte[] content = "port: 8080\nname: web\n".getBytes(StandardCharsets.UTF_8);

      var response =
          send(upload(VALID_QUERY, "key-alice").POST(BodyPublishers.ofByteArray(content)));

      assertThat(response.statusCode()).as("status").isEqualTo(202);
      JsonNode accepted = json(response);
      String id = accepted.path("id").asText();
      assertThat(TaskId.isValid(id)).as("id is a task id: " + id).isTrue();
      assertThat(response.headers().firstValue("Location"))
          .as("Location")
          .contains("/v1/uploads/" + id);
      assertThat(response.headers().firstValue("Content-Type"))
          .as("Content-Type")
          .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
      assertThat(accepted.path("status").asText()).as("status member").isEqualTo("PENDING");
      assertThat(accepted.path("statusUrl").asText())
          .as("statusUrl")
          .isEqualTo("/v1/uploads/" + id);

      var status = send(get(id, "key-alice"));

      assertThat(status.statusCode()).as("GET status").isEqualTo(200);
      JsonNode task = json(status);
      assertThat(task.path("id").asText()).isEqualTo(id);
      assertThat(task.path("status").asText()).isEqualTo("PENDING");
      assertThat(task.path("container").asText()).isEqualTo("web");
      assertThat(task.path("path").asText()).isEqualTo("/srv/app/config.yaml");
      assertThat(task.path("mode").asText()).as("mode as octal text").isEqualTo("0644");
      assertThat(task.path("uid").asLong()).isZero();
      assertThat(task.path("gid").asLong()).isZero();
      assertThat(task.path("size").asLong()).as("size").isEqualTo(content.length);
      assertThat(task.path("sha256").asText()).as("sha256").isEqualTo(sha256(content));
      assertThat(task.path("attempts").asInt()).isZero();
      assertThat(task.has("lastError") && task.get("lastError").isNull())
          .as("lastError is null")
          .isTrue();
      assertThat(task.path("createdAt").asText()).isEqualTo("2026-11-22T06:30:00.123Z");
      assertThat(task.path("updatedAt").asText()).isEqualTo("2026-11-22T06:30:00.123Z");
      assertThat(task.has("owner")).as("owner is not exposed").isFalse();

      assertThat(objects.object("uploads/" + id).orElseThrow().content().orElseThrow())
          .as("stored bytes")
          .isEqualTo(content);
      assertThat(queue.published()).as("published").containsExactly(new TaskId(id));
    }

    @Test
    void givenDestinationHeaders_whenPosting_then202AndTheHeadersDecideTheDestination()
        throws Exception {
      var response =
          send(
              upload("", "key-alice")
                  .header("X-Container-Name", "db-1")
                  .header("X-File-Path", "/etc/db/db.conf")
                  .header("X-File-Mode", "0600")
                  .header("X-File-Uid", "999")
                  .header("X-File-Gid", "998")
                  .POST(BodyPublishers.ofString("max_connections=100")));

      assertThat(response.statusCode()).as("status").isEqualTo(202);
      Destination destination = tasks.all().getFirst().destination();
      assertThat(destination).isEqualTo(new Destination("db-1", "/etc/db/db.conf", 0600, 999, 998));
    }

    @Test
    void givenTheSameFieldInQueryAndHeaderWithTheSameValue_whenPosting_then202() throws Exception {
      var response =
          send(
              upload(VALID_QUERY, "key-alice")
                  .header("X-Container-Name", "web")
                  .POST(BodyPublishers.ofString("x")));

      assertThat(response.statusCode()).isEqualTo(202);
    }

    @Test
    void givenConflictingQueryAndHeader_whenPosting_then400NamingTheFieldAndNothingStored()
        throws Exception {
      var response =
          send(
              upload(VALID_QUERY, "key-alice")
                  .header("X-Container-Name", "db")
                  .POST(BodyPublishers.ofString("x")));

      assertProblem(response, 400, "invalid-destination", "container");
      assertNothingStored();
    }

    @Test
    void givenAFormUrlencodedContentType_whenPosting_thenTheBodyIsStoredRawNotParsed()
        throws Exception {
      byte[] content = "a=1&b=2&".repeat(40_000).getBytes(StandardCharsets.US_ASCII);

      var response =
          send(
              upload(VALID_QUERY, "key-alice")
                  .setHeader("Content-Type", "application/x-www-form-urlencoded")
                  .POST(BodyPublishers.ofByteArray(content)));

      assertThat(response.statusCode()).as("status").isEqualTo(202);
      assertThat(tasks.all().getFirst().sha256()).isEqualTo(sha256(content));
    }

    @Test
    void givenAnUpload_whenHandled_thenItRunsOnAVirtualThread() throws Exception {
      send(upload(VALID_QUERY, "key-alice").POST(BodyPublishers.ofString("x")));

      assertThat(objects.objects().values())
          .singleElement()
          .satisfies(o -> assertThat(o.virtualThread()).as("virtual thread").isTrue());
    }
  }

  @Nested
  class MultipartUploads {

    @Test
    void givenDestinationFieldsBeforeTheFilePart_whenPosting_then202AndExactBytesStored()
        throws Exception {
      byte[] content =
          "#!/bin/sh\necho hello\r\n--not-a-boundary\r\n".getBytes(StandardCharsets.UTF_8);
      byte[] body =
          new Multipart()
              .field("container", "web")
              .field("path", "/usr/local/bin/hello")
              .field("mode", "0755")
              .field("comment", "ignored")
              .file("file", "hello.sh", content)
              .build();

      var response = send(multipart("", "key-alice", body));

      assertThat(response.statusCode()).as("status").isEqualTo(202);
      String id = json(response).path("id").asText();
      UploadTask task = tasks.all().getFirst();
      assertThat(task.destination())
          .isEqualTo(new Destination("web", "/usr/local/bin/hello", 0755, 0, 0));
      assertThat(objects.object("uploads/" + id).orElseThrow().content().orElseThrow())
          .as("stored bytes are exactly the file part")
          .isEqualTo(content);
      assertThat(task.sha256()).isEqualTo(sha256(content));
      JsonNode status = json(send(get(id, "key-alice")));
      assertThat(status.path("mode").asText()).isEqualTo("0755");
      assertThat(status.path("size").asLong()).isEqualTo(content.length);
    }

    @Test
    void givenTheDestinationInTheQuery_whenPostingMultipart_then202() throws Exception {
      byte[] body = new Multipart().file("file", "config.yaml", new byte[] {1, 2, 3}).build();

      var response = send(multipart(VALID_QUERY, "key-alice", body));

      assertThat(response.statusCode()).isEqualTo(202);
      assertThat(tasks.all().getFirst().size()).isEqualTo(3);
    }

    @Test
    void givenNoFilePart_whenPosting_then400MissingFileAndNothingStored() throws Exception {
      byte[] body = new Multipart().field("container", "web").field("path", "/tmp/a").build();

      var response = send(multipart("", "key-alice", body));

      assertProblem(response, 400, "missing-file", "file");
      assertNothingStored();
    }

    @Test
    void givenAnEmptyFilePart_whenPosting_then400EmptyBodyAndNothingStored() throws Exception {
      byte[] body = new Multipart().file("file", "empty.txt", new byte[0]).build();

      var response = send(multipart(VALID_QUERY, "key-alice", body));

      assertProblem(response, 400, "empty-body", "file");
      assertNothingStored();
    }

    @Test
    void givenAnInvalidContainerField_whenPosting_then400BeforeTheFileIsConsumed()
        throws Exception {
      byte[] body =
          new Multipart()
              .field("container", "not_valid!")
              .field("path", "/tmp/a")
              .file("file", "a.bin", new byte[1024])
              .build();

      var response = send(multipart("", "key-alice", body));

      assertProblem(response, 400, "invalid-destination", "container");
      assertNothingStored();
    }

    @Test
    void givenFieldsAfterTheFilePart_whenPosting_then400BecauseTheyCameTooLate() throws Exception {
      byte[] body =
          new Multipart()
              .file("file", "a.bin", new byte[16])
              .field("container", "web")
              .field("path", "/tmp/a")
              .build();

      var response = send(multipart("", "key-alice", body));

      assertProblem(response, 400, "invalid-destination", "container");
      assertNothingStored();
    }

    @Test
    void givenAMultipartTypeWithoutBoundary_whenPosting_then400MalformedMultipartAndNothingStored()
        throws Exception {
      var response =
          send(
              upload(VALID_QUERY, "key-alice")
                  .setHeader("Content-Type", "multipart/form-data")
                  .POST(BodyPublishers.ofString("--x\r\n")));

      assertProblem(response, 400, "malformed-multipart", null);
      assertNothingStored();
    }

    @Test
    void givenABodyWithoutAnyBoundary_whenPosting_then400MissingFileAndNothingStored()
        throws Exception {
      var response =
          send(
              upload(VALID_QUERY, "key-alice")
                  .setHeader("Content-Type", Multipart.CONTENT_TYPE)
                  .POST(BodyPublishers.ofString("this is not multipart at all")));

      assertProblem(response, 400, "missing-file", "file");
      assertThat(json(response).path("detail").asText()).contains("boundary");
      assertNothingStored();
    }

    @Test
    void givenAFilePartWithoutItsClosingBoundary_whenPosting_then400AndNothingKept()
        throws Exception {
      String truncated =
          "--"
              + Multipart.BOUNDARY
              + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\n"
              + "x".repeat(10_000);

      var response =
          send(
              upload(VALID_QUERY, "key-alice")
                  .setHeader("Content-Type", Multipart.CONTENT_TYPE)
                  .POST(BodyPublishers.ofString(truncated)));

      assertProblem(response, 400, "malformed-multipart", null);
      assertThat(objects.objects()).as("objects").isEmpty();
      assertThat(tasks.all()).as("tasks").isEmpty();
      assertThat(queue.published()).as("published").isEmpty();
    }

    @Test
    void givenMultipartMixed_whenPosting_then415AndNothingStored() throws Exception {
      var response =
          send(
              upload(VALID_QUERY, "key-alice")
                  .setHeader("Content-Type", "multipart/mixed; boundary=abc")
                  .POST(BodyPublishers.ofString("--abc--\r\n")));

      assertProblem(response, 415, "unsupported-media-type", null);
      assertNothingStored();
    }
  }

  @Nested
  class Validation {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
        delimiter = '|',
        value = {
          "?path=/tmp/a                                 | container",
          "?container=bad_name&path=/tmp/a              | container",
          "?container=-web&path=/tmp/a                  | container",
          "?container=web                               | path",
          "?container=web&path=tmp/a                    | path",
          "?container=web&path=/tmp/../etc/passwd       | path",
          "?container=web&path=/tmp/dir/                | path",
          "?container=web&path=/tmp/a&mode=0999         | mode",
          "?container=web&path=/tmp/a&uid=-1            | uid",
          "?container=web&path=/tmp/a&gid=abc           | gid",
          "?container=web&container=db&path=/tmp/a      | container",
        })
    void givenAnInvalidDestination_whenPosting_then400NamingTheFieldAndNothingStored(
        String query, String field) throws Exception {
      var response =
          send(upload(query, "key-alice").POST(BodyPublishers.ofByteArray(new byte[4096])));

      assertProblem(response, 400, "invalid-destination", field);
      assertNothingStored();
    }

    @Test
    void givenAnEmptyBody_whenPosting_then400EmptyBodyAndNothingStored() throws Exception {
      var response = send(upload(VALID_QUERY, "key-alice").POST(BodyPublishers.noBody()));

      assertProblem(response, 400, "empty-body", null);
      assertNothingStored();
    }
  }

  /** Modes are exact or refused: Incus cannot set setuid, setgid or sticky bits. */
  @Nested
  class Modes {

    private static final String OWNED_BY_1000 = "&uid=1000&gid=1000";

    @ParameterizedTest(name = "mode={0}")
    @ValueSource(strings = {"4755", "2750", "1777", "04755"})
    void givenASetuidSetgidOrStickyModeInTheQuery_whenPosting_then400NamingTheModeAndNothingStored(
        String mode) throws Exception {
      var response =
          send(
              upload(VALID_QUERY + "&mode=" + mode + OWNED_BY_1000, "key-alice")
                  .POST(BodyPublishers.ofByteArray(new byte[4096])));

      assertSpecialBitsRefused(response, mode);
      assertNothingStored();
    }

    @ParameterizedTest(name = "X-File-Mode: {0}")
    @ValueSource(strings = {"4755", "2750", "1777"})
    void givenASetuidSetgidOrStickyModeInTheHeader_whenPosting_then400AndNothingStored(String mode)
        throws Exception {
      var response =
          send(
              upload(VALID_QUERY + OWNED_BY_1000, "key-alice")
                  .header("X-File-Mode", mode)
                  .POST(BodyPublishers.ofByteArray(new byte[4096])));

      assertSpecialBitsRefused(response, mode);
      assertNothingStored();
    }

    @ParameterizedTest(name = "mode field {0}")
    @ValueSource(strings = {"4755", "2750", "1777"})
    void givenASetuidSetgidOrStickyModeField_whenPostingMultipart_then400BeforeTheFileIsConsumed(
        String mode) throws Exception {
      byte[] body =
          new Multipart()
              .field("container", "web")
              .field("path", "/usr/local/bin/tool")
              .field("mode", mode)
              .file("file", "tool", new byte[1024])
              .build();

      var response = send(multipart("", "key-alice", body));

      assertSpecialBitsRefused(response, mode);
      assertNothingStored();
    }

    @ParameterizedTest(name = "mode={0}")
    @ValueSource(strings = {"0600", "0640", "0755", "0700"})
    void givenAModeWithoutSpecialBits_whenPosting_then202AndTheTaskHasExactlyThatMode(String mode)
        throws Exception {
      var response =
          send(
              upload(VALID_QUERY + "&mode=" + mode + OWNED_BY_1000, "key-alice")
                  .POST(BodyPublishers.ofByteArray(new byte[] {1, 2, 3})));

      assertThat(response.statusCode()).as("status of %s", response.body()).isEqualTo(202);
      assertThat(tasks.all().getFirst().destination())
          .isEqualTo(
              new Destination(
                  "web", "/srv/app/config.yaml", Integer.parseInt(mode, 8), 1000, 1000));
      String id = json(response).path("id").asText();
      assertThat(json(send(get(id, "key-alice"))).path("mode").asText())
          .as("mode as the task shows it")
          .isEqualTo(mode);
    }

    private static void assertSpecialBitsRefused(HttpResponse<String> response, String mode)
        throws IOException {
      assertProblem(response, 400, "invalid-destination", "mode");
      assertThat(json(response).path("detail").asText())
          .as("detail")
          .isEqualTo(
              "mode must be between 0000 and 0777:"
                  + " Incus cannot set setuid, setgid or sticky bits (got "
                  + mode
                  + ")");
    }
  }

  @Nested
  class Authentication {

    @Test
    void givenNoApiKey_whenPosting_then401ProblemJson() throws Exception {
      var response =
          send(
              HttpRequest.newBuilder(uri("/v1/uploads" + VALID_QUERY))
                  .POST(BodyPublishers.ofString("x")));

      assertProblem(response, 401, "unauthorized", null);
      assertThat(response.headers().firstValue("WWW-Authenticate"))
          .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
      assertNothingStored();
    }

    @Test
    void givenAWrongApiKey_whenPosting_then401ProblemJson() throws Exception {
      var response = send(upload(VALID_QUERY, "key-mallory").POST(BodyPublishers.ofString("x")));

      assertProblem(response, 401, "unauthorized", null);
      assertThat(response.headers().firstValue("WWW-Authenticate"))
          .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
      assertThat(response.body()).as("the key is not echoed").doesNotContain("key-mallory");
      assertNothingStored();
    }

    @Test
    void givenANonBearerScheme_whenPosting_then401() throws Exception {
      var response =
          send(
              HttpRequest.newBuilder(uri("/v1/uploads" + VALID_QUERY))
                  .header("Authorization", "Basic a2V5LWFsaWNlOg==")
                  .POST(BodyPublishers.ofString("x")));

      assertProblem(response, 401, "unauthorized", null);
    }

    @Test
    void givenNoApiKey_whenGettingAStatus_then401() throws Exception {
      var response =
          send(HttpRequest.newBuilder(uri("/v1/uploads/" + TaskId.newId().value())).GET());

      assertProblem(response, 401, "unauthorized", null);
    }

    @Test
    void givenNoApiKey_whenCallingAnUnknownRoute_then401() throws Exception {
      var response = send(HttpRequest.newBuilder(uri("/admin")).GET());

      assertProblem(response, 401, "unauthorized", null);
    }
  }

  @Nested
  class StatusLookups {

    @Test
    void givenAnotherOwnersTask_whenGetting_then404WithNoData() throws Exception {
      var accepted = send(upload(VALID_QUERY, "key-alice").POST(BodyPublishers.ofString("secret")));
      String id = json(accepted).path("id").asText();

      var response = send(get(id, "key-bob"));

      assertProblem(response, 404, "not-found", null);
      assertThat(response.body())
          .as("nothing about the task leaks")
          .doesNotContain("web", "/srv/app", "alice", "PENDING", id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"not-a-task-id", "01JD", "ZZZZZZZZZZZZZZZZZZZZZZZZZZ"})
    void givenAMalformedId_whenGetting_then404(String id) throws Exception {
      assertProblem(send(get(id, "key-alice")), 404, "not-found", null);
    }

    @Test
    void givenAnUnknownId_whenGetting_then404() throws Exception {
      assertProblem(send(get(TaskId.newId().value(), "key-alice")), 404, "not-found", null);
    }

    @Test
    void givenAnUnknownId_whenSendingHead_then404() throws Exception {
      var response =
          send(
              HttpRequest.newBuilder(uri("/v1/uploads/" + TaskId.newId().value()))
                  .header("Authorization", "Bearer key-alice")
                  .method("HEAD", BodyPublishers.noBody()));

      assertThat(response.statusCode()).isEqualTo(404);
    }

    @Test
    void givenAFailedTask_whenGetting_thenItsLastErrorIsShown() throws Exception {
      var id = TaskId.newId();
      tasks.put(
          aTask()
              .withId(id)
              .to("web", "/tmp/a")
              .size(12)
              .sha256("ab".repeat(32))
              .in(TaskStatus.FAILED)
              .attempts(3)
              .failedWith(new TaskError(TaskError.INSTANCE_NOT_FOUND, "no instance web"))
              .createdAt(NOW)
              .updatedAt(NOW.plusMillis(4_500))
              .build());

      JsonNode task = json(send(get(id.value(), "key-alice")));

      assertThat(task.path("status").asText()).isEqualTo("FAILED");
      assertThat(task.path("attempts").asInt()).isEqualTo(3);
      assertThat(task.path("lastError").path("code").asText()).isEqualTo("INSTANCE_NOT_FOUND");
      assertThat(task.path("lastError").path("message").asText()).isEqualTo("no instance web");
      assertThat(task.path("updatedAt").asText()).isEqualTo("2026-11-22T06:30:04.623Z");
    }
  }

  @Nested
  class Routing {

    @Test
    void givenAnUnknownRoute_whenCalled_then404ProblemJson() throws Exception {
      var response =
          send(
              HttpRequest.newBuilder(uri("/v2/things"))
                  .header("Authorization", "Bearer key-alice"));

      assertProblem(response, 404, "not-found", null);
    }

    @Test
    void givenAWrongMethod_whenCalled_then405ProblemJsonWithAllow() throws Exception {
      var response =
          send(
              HttpRequest.newBuilder(uri("/v1/uploads/" + TaskId.newId().value()))
                  .header("Authorization", "Bearer key-alice")
                  .PUT(HttpRequest.BodyPublishers.ofString("x")));

      assertProblem(response, 405, "method-not-allowed", null);
      assertThat(response.headers().firstValue("Allow")).contains("GET, HEAD, DELETE");
    }

    @Test
    void givenPutOnTheCollection_whenCalled_then405WithAllowPostAndGet() throws Exception {
      var response =
          send(
              HttpRequest.newBuilder(uri("/v1/uploads"))
                  .header("Authorization", "Bearer key-alice")
                  .PUT(HttpRequest.BodyPublishers.ofString("x")));

      assertProblem(response, 405, "method-not-allowed", null);
      assertThat(response.headers().firstValue("Allow")).contains("POST, GET");
    }

    @Test
    void givenARequestJettyRejects_whenSent_thenTheAnswerIsStillProblemJson() throws Exception {
      String answer =
          exchange("GET /v1/uploads HTTP/1.1\r\nHost: localhost\r\nBroken header\r\n\r\n");

      assertThat(answer).startsWith("HTTP/1.1 400");
      assertThat(answer.toLowerCase()).contains("content-type: application/problem+json");
      assertThat(answer).contains("\"status\":400").doesNotContain("<html", "at org.eclipse");
    }
  }

  @Nested
  class LargeAndAbortedUploads {

    @Test
    void givenA200MiBStreamedBody_whenPosting_then202AndSizeAndSha256Match() throws Exception {
      var body = new GeneratedBody(200 * MiB);

      var response =
          send(
              upload(VALID_QUERY, "key-alice")
                  .timeout(Duration.ofSeconds(60))
                  .POST(
                      BodyPublishers.fromPublisher(
                          BodyPublishers.ofInputStream(body::open), body.size())));

      assertThat(response.statusCode()).as("status").isEqualTo(202);
      JsonNode task = json(send(get(json(response).path("id").asText(), "key-alice")));
      assertThat(task.path("size").asLong()).as("size").isEqualTo(200 * MiB);
      assertThat(task.path("sha256").asText()).as("sha256").isEqualTo(body.sha256Hex());
      assertThat(objects.objects().values())
          .singleElement()
          .satisfies(o -> assertThat(o.content()).as("not retained").isEmpty());
    }

    /**
     * Over 1 GiB by default, to prove no request size limit applies to streamed bodies; set {@code
     * -Duplink.test.largeUploadBytes=N} to try other sizes (e.g. beyond 2 GiB).
     */
    @Test
    void givenAStreamedBodyOverOneGiB_whenPosting_then202AndSizeAndSha256Match() throws Exception {
      var body = new GeneratedBody(Long.getLong("uplink.test.largeUploadBytes", 1024 * MiB + 1));

      var response =
          send(
              upload(VALID_QUERY, "key-alice")
                  .timeout(Duration.ofMinutes(5))
                  .POST(
                      BodyPublishers.fromPublisher(
                          BodyPublishers.ofInputStream(body::open), body.size())));

      assertThat(response.statusCode()).as("status of " + response.body()).isEqualTo(202);
      UploadTask task = tasks.all().getFirst();
      assertThat(task.size()).as("size").isEqualTo(body.size());
      assertThat(task.sha256()).as("sha256").isEqualTo(body.sha256Hex());
    }

    @Test
    void givenA64MiBMultipartFilePart_whenPosting_thenItIsStreamedWithMatchingSha256()
        throws Exception {
      var file = new GeneratedBody(64 * MiB);
      byte[] head =
          ("--"
                  + Multipart.BOUNDARY
                  + "\r\nContent-Disposition: form-data; name=\"container\"\r\n\r\nweb\r\n"
                  + "--"
                  + Multipart.BOUNDARY
                  + "\r\nContent-Disposition: form-data; name=\"path\"\r\n\r\n/srv/big.bin\r\n"
                  + "--"
                  + Multipart.BOUNDARY
                  + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII);
      byte[] tail = ("\r\n--" + Multipart.BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII);

      var response =
          send(
              upload("", "key-alice")
                  .setHeader("Content-Type", Multipart.CONTENT_TYPE)
                  .timeout(Duration.ofSeconds(60))
                  .POST(
                      BodyPublishers.ofInputStream(
                          () ->
                              new SequenceInputStream(
                                  Collections.enumeration(
                                      List.of(
                                          new ByteArrayInputStream(head),
                                          file.open(),
                                          new ByteArrayInputStream(tail)))))));

      assertThat(response.statusCode()).as("status of " + response.body()).isEqualTo(202);
      UploadTask task = tasks.all().getFirst();
      assertThat(task.destination().path()).isEqualTo("/srv/big.bin");
      assertThat(task.size()).as("size").isEqualTo(64 * MiB);
      assertThat(task.sha256()).as("sha256").isEqualTo(file.sha256Hex());
    }

    @Test
    void givenAChunkedStreamedBody_whenPosting_then202() throws Exception {
      var body = new GeneratedBody(3 * MiB + 17);

      var response =
          send(upload(VALID_QUERY, "key-alice").POST(BodyPublishers.ofInputStream(body::open)));

      assertThat(response.statusCode()).as("status").isEqualTo(202);
      assertThat(tasks.all().getFirst().sha256()).isEqualTo(body.sha256Hex());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Content-Length: 10485760", "Transfer-Encoding: chunked"})
    void givenAClientThatAbortsMidBody_whenPosting_thenNoTaskIsCreated(String framing)
        throws Exception {
      try (var socket = new Socket("127.0.0.1", api.port())) {
        OutputStream out = socket.getOutputStream();
        out.write(
            ("POST /v1/uploads"
                    + VALID_QUERY
                    + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer key-alice\r\n"
                    + "Content-Type: application/octet-stream\r\n"
                    + framing
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        if (framing.startsWith("Transfer-Encoding")) {
          out.write("100000\r\n".getBytes(StandardCharsets.US_ASCII)); // a 1 MiB chunk
        }
        out.write(new byte[512 * 1024]);
        out.flush();
        await(() -> objects.putsStarted() == 1, "the upload reached the object store");
      } // the client goes away mid-body

      await(() -> objects.putsFailed() == 1, "the object store saw the body break off");
      assertThat(objects.objects()).as("objects").isEmpty();
      assertThat(tasks.all()).as("tasks").isEmpty();
      assertThat(queue.published()).as("published").isEmpty();
    }
  }

  @Nested
  class DependencyFailures {

    @Test
    void givenTheObjectStoreFails_whenPosting_then503WithRetryAfterAndNoTask() throws Exception {
      objects.failPutsWith(Outage.of("S3: 500 InternalError"));

      var response = send(upload(VALID_QUERY, "key-alice").POST(BodyPublishers.ofString("x")));

      assertProblem(response, 503, "service-unavailable", null);
      assertThat(response.headers().firstValue("Retry-After")).isPresent();
      assertThat(response.body()).doesNotContain("S3", "InternalError");
      assertThat(tasks.all()).as("tasks").isEmpty();
      assertThat(queue.published()).as("published").isEmpty();
    }

    @Test
    void givenTheTaskStoreFails_whenPosting_then503AndTheObjectIsDeleted() throws Exception {
      tasks.failCreatesWith(Outage.of("DynamoDB throttled"));

      var response = send(upload(VALID_QUERY, "key-alice").POST(BodyPublishers.ofString("x")));

      assertProblem(response, 503, "service-unavailable", null);
      assertThat(response.headers().firstValue("Retry-After")).isPresent();
      assertThat(objects.objects()).as("objects left").isEmpty();
      assertThat(objects.deleted()).as("deleted").hasSize(1);
      assertThat(queue.published()).as("published").isEmpty();
    }

    @Test
    void givenTheQueueFails_whenPosting_then503NamingTheRecordedTask() throws Exception {
      queue.failPublishesWith(Outage.of("SQS unreachable"));

      var response = send(upload(VALID_QUERY, "key-alice").POST(BodyPublishers.ofString("x")));

      assertProblem(response, 503, "service-unavailable", null);
      String id = json(response).path("taskId").asText();
      assertThat(tasks.all())
          .singleElement()
          .satisfies(
              t -> {
                assertThat(t.id().value()).isEqualTo(id);
                assertThat(t.status()).isEqualTo(TaskStatus.PENDING);
              });
    }

    @Test
    void givenTheTaskStoreFails_whenGettingAStatus_then503() throws Exception {
      tasks.failFindsWith(Outage.of("DynamoDB down"));

      var response = send(get(TaskId.newId().value(), "key-alice"));

      assertProblem(response, 503, "service-unavailable", null);
      assertThat(response.headers().firstValue("Retry-After")).isPresent();
    }

    @Test
    void givenTheTaskStoreIsThrottled_whenGettingAStatus_then503WithRetryAfter() throws Exception {
      tasks.failFindsWith(
          new DependencyException(
              "DynamoDB table uplink", DependencyException.Reason.THROTTLED, null));

      var response = send(get(TaskId.newId().value(), "key-alice"));

      assertProblem(response, 503, "service-unavailable", null);
      assertThat(response.headers().firstValue("Retry-After")).isPresent();
      assertThat(response.body()).doesNotContain("DynamoDB");
    }

    @Test
    void givenTheTaskStoreRefusesTheRequest_whenGettingAStatus_then500WithAnIncidentId()
        throws Exception {
      // Access denied, no such table: asking again later gives the same answer.
      tasks.failFindsWith(
          new DependencyException(
              "DynamoDB table uplink", DependencyException.Reason.REJECTED, null));

      var response = send(get(TaskId.newId().value(), "key-alice"));

      assertProblem(response, 500, "internal-error", null);
      assertThat(json(response).path("incidentId").asText()).isNotBlank();
      assertThat(response.headers().firstValue("Retry-After")).isEmpty();
      assertThat(response.body()).doesNotContain("DynamoDB");
    }

    @Test
    void givenTheQueueRefusesThePublish_whenPosting_then500NamingTheRecordedTask()
        throws Exception {
      queue.failPublishesWith(
          new DependencyException("SQS queue uplink", DependencyException.Reason.REJECTED, null));

      var response = send(upload(VALID_QUERY, "key-alice").POST(BodyPublishers.ofString("x")));

      assertProblem(response, 500, "internal-error", null);
      assertThat(json(response).path("incidentId").asText()).isNotBlank();
      assertThat(json(response).path("taskId").asText()).isEqualTo(tasks.all().get(0).id().value());
    }

    @Test
    void givenTheTaskStoreFailsInAWayRetryingCannotCure_whenGettingAStatus_then500WithAnIncidentId()
        throws Exception {
      var logged = new ListAppender<ILoggingEvent>();
      var log = (Logger) LoggerFactory.getLogger(ApiApplication.class);
      logged.start();
      log.addAppender(logged);
      // An item the store cannot read is no outage: asking again later gives the same answer.
      tasks.failFindsWith(
          new IllegalStateException("Task item 01X is malformed: attribute size is not a number"));
      try {
        var response = send(get(TaskId.newId().value(), "key-alice"));

        assertProblem(response, 500, "internal-error", null);
        String incident = json(response).path("incidentId").asText();
        assertThat(incident).isNotBlank();
        assertThat(json(response).path("detail").asText()).contains(incident);
        assertThat(response.headers().firstValue("Retry-After")).isEmpty();
        assertThat(response.body()).doesNotContain("malformed");
        assertThat(logged.list)
            .as("logged once, with its cause, under the incident id")
            .singleElement()
            .satisfies(
                event -> {
                  assertThat(event.getFormattedMessage()).contains(incident);
                  assertThat(event.getThrowableProxy().getCause().getMessage())
                      .contains("malformed");
                });
      } finally {
        log.detachAppender(logged);
      }
    }

    @Test
    void givenAnUnexpectedFailure_whenPosting_then500WithAGenericDetailAndNoStackTrace()
        throws Exception {
      // A store that reports a size other than what it read is a bug, not an outage.
      ObjectStore lying =
          new ObjectStore() {
            @Override
            public long put(String key, InputStream content) {
              try {
                content.transferTo(OutputStream.nullOutputStream());
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
              return 1;
            }

            @Override
            public StoredObject open(String key) {
              throw new UnsupportedOperationException();
            }

            @Override
            public void delete(String key) {}
          };
      try (var other = start(lying)) {
        var response =
            send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:" + other.port() + "/v1/uploads" + VALID_QUERY))
                    .header("Authorization", "Bearer key-alice")
                    .POST(BodyPublishers.ofString("twelve bytes")));

        assertProblem(response, 500, "internal-error", null);
        assertThat(response.body()).doesNotContain("Exception", "at dev.", "reported");
      }
    }
  }

  // --- helpers ---------------------------------------------------------------------------

  private UploadApi start(ObjectStore store) {
    var service = new UploadService(tasks, store, queue, Clock.fixed(NOW, ZoneOffset.UTC));
    return UploadApi.start("127.0.0.1", 0, KEYS, service);
  }

  private URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + api.port() + pathAndQuery);
  }

  private HttpRequest.Builder upload(String query, String key) {
    return HttpRequest.newBuilder(uri("/v1/uploads" + query))
        .header("Authorization", "Bearer " + key)
        .header("Content-Type", "application/octet-stream");
  }

  private HttpRequest.Builder multipart(String query, String key, byte[] body) {
    return HttpRequest.newBuilder(uri("/v1/uploads" + query))
        .header("Authorization", "Bearer " + key)
        .setHeader("Content-Type", Multipart.CONTENT_TYPE)
        .POST(BodyPublishers.ofByteArray(body));
  }

  private HttpRequest.Builder get(String id, String key) {
    return HttpRequest.newBuilder(uri("/v1/uploads/" + id))
        .header("Authorization", "Bearer " + key)
        .GET();
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), BodyHandlers.ofString());
  }

  /** Sends raw bytes and returns everything the server answers until it closes. */
  private String exchange(String request) throws IOException {
    try (var socket = new Socket("127.0.0.1", api.port())) {
      socket.setSoTimeout(5_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static JsonNode json(HttpResponse<String> response) throws IOException {
    return JSON.readTree(response.body());
  }

  private static void assertProblem(
      HttpResponse<String> response, int status, String type, String field) throws IOException {
    ProblemAssert.assertProblem(
        response.statusCode(),
        response.headers().firstValue("Content-Type"),
        json(response),
        response.body(),
        status,
        PROBLEMS + type,
        field);
  }

  private void assertNothingStored() {
    assertThat(objects.putsStarted()).as("object store puts").isZero();
    assertThat(tasks.all()).as("tasks").isEmpty();
    assertThat(queue.published()).as("published ids").isEmpty();
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(10);
    }
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
