package dev.uplink.infra.pipeline;

import static dev.uplink.infra.testing.UplinkHttp.acceptedId;
import static dev.uplink.infra.testing.UplinkHttp.query;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.DestinationPolicy;
import dev.uplink.infra.LocalPipeline;
import dev.uplink.infra.testing.LocalAwsExtension;
import dev.uplink.infra.testing.TestFiles;
import dev.uplink.infra.testing.UplinkHttp;
import dev.uplink.processor.incus.IncusTestEnvironment;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import net.logstash.logback.encoder.LogstashEncoder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Real traffic through the whole local stack (a streamed upload into the real incusd, a presigned
 * upload, a push that fails, a wrong API key) with every log line captured at DEBUG in the
 * production JSON format: each line is one JSON object, a task's lines carry its fields, and no
 * secret or file content appears anywhere. Skips without incusd, fails instead under {@code
 * CI=true}.
 */
class LogHygieneTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String API_KEY = "key-" + UUID.randomUUID();
  private static final String WRONG_KEY = "wrong-" + UUID.randomUUID();
  private static final String OPERATOR_KEY = "ops-" + UUID.randomUUID();
  private static final String CONTENT_MARKER = "file-content-" + UUID.randomUUID();

  @RegisterExtension
  static final LocalAwsExtension aws = LocalAwsExtension.create(Duration.ofSeconds(2), 3);

  private static final List<String> lines = new CopyOnWriteArrayList<>();
  private static final List<String> presignedSignatures = new ArrayList<>();
  private static final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private static IncusTestEnvironment incus;
  private static LocalPipeline pipeline;
  private static Capture capture;
  private static Level uplinkLevel;
  private static String directId;
  private static String presignedId;
  private static String failedId;

  /** Encodes every event as the production JSON appender would, and keeps the line. */
  private static final class Capture extends AppenderBase<ILoggingEvent> {
    private final Encoder<ILoggingEvent> encoder;

    Capture(Encoder<ILoggingEvent> encoder) {
      this.encoder = encoder;
    }

    @Override
    protected void append(ILoggingEvent event) {
      lines.add(new String(encoder.encode(event), StandardCharsets.UTF_8));
    }
  }

  @BeforeAll
  static void runTrafficWhileCapturingTheLogs() throws Exception {
    incus = IncusTestEnvironment.require();
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    capture = new Capture(productionEncoder(context));
    capture.setContext(context);
    capture.start();
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(capture);
    Logger uplink = context.getLogger("dev.uplink");
    uplinkLevel = uplink.getLevel();
    uplink.setLevel(Level.DEBUG);

    UplinkConfig config =
        aws.config()
            .withIncus(Optional.of(incus.settings()))
            .withCallers(
                Map.of(
                    API_KEY,
                    new Caller("alice", DestinationPolicy.allowAll()),
                    OPERATOR_KEY,
                    Caller.operator("ops")));
    pipeline = LocalPipeline.start(config, aws.clients(), "127.0.0.1");
    try (var client = new UplinkHttp(pipeline.baseUri())) {
      String root = IncusTestEnvironment.uniqueDirectory();
      byte[] content = (CONTENT_MARKER + "\n").repeat(1000).getBytes(StandardCharsets.UTF_8);

      directId =
          acceptedId(
              client.uploadBytes(
                  API_KEY,
                  query("container", incus.instance(), "path", root + "/direct.txt"),
                  content));
      presignedId = presignedUpload(root + "/presigned.txt", content);
      failedId =
          acceptedId(
              client.uploadBytes(
                  API_KEY, query("container", "no-such-instance", "path", "/tmp/x"), content));
      assertThat(client.task(WRONG_KEY, directId).statusCode()).isEqualTo(401);

      assertThat(
              client
                  .awaitFinished(API_KEY, directId, Duration.ofSeconds(30))
                  .path("status")
                  .asText())
          .isEqualTo("DONE");
      assertThat(
              client
                  .awaitFinished(API_KEY, presignedId, Duration.ofSeconds(30))
                  .path("status")
                  .asText())
          .isEqualTo("DONE");
      assertThat(
              client
                  .awaitFinished(API_KEY, failedId, Duration.ofSeconds(30))
                  .path("status")
                  .asText())
          .isEqualTo("FAILED");
      operatorsLook();
    }
  }

  /** An operator lists the dead-letter queue and redrives it: their key must not show either. */
  private static void operatorsLook() throws Exception {
    send(
        HttpRequest.newBuilder(pipeline.baseUri().resolve("/v1/dlq"))
            .header("Authorization", "Bearer " + OPERATOR_KEY));
    send(
        HttpRequest.newBuilder(pipeline.baseUri().resolve("/v1/dlq/redrive"))
            .header("Authorization", "Bearer " + OPERATOR_KEY)
            .header("Content-Type", "application/json")
            .POST(BodyPublishers.ofString("{\"all\": true}")));
  }

  /** The encoder of core's logback.xml "json" appender (a fresh one if logging is set to text). */
  private static Encoder<ILoggingEvent> productionEncoder(LoggerContext context) {
    var appender = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("json");
    if (appender instanceof OutputStreamAppender<ILoggingEvent> json) {
      return json.getEncoder();
    }
    var encoder = new LogstashEncoder();
    encoder.setContext(context);
    encoder.start();
    return encoder;
  }

  private static String presignedUpload(String path, byte[] content) throws Exception {
    var declaration =
        Map.of(
            "container",
            incus.instance(),
            "path",
            path,
            "size",
            content.length,
            "sha256",
            TestFiles.sha256(content));
    JsonNode created =
        JSON.readTree(
            send(
                HttpRequest.newBuilder(pipeline.baseUri().resolve("/v1/uploads/presign"))
                    .header("Authorization", "Bearer " + API_KEY)
                    .header("Content-Type", "application/json")
                    .POST(BodyPublishers.ofByteArray(JSON.writeValueAsBytes(declaration)))));
    JsonNode upload = created.path("upload");
    String url = upload.path("url").asText();
    presignedSignatures.add(queryValue(url, "X-Amz-Signature"));
    var put = HttpRequest.newBuilder(URI.create(url)).PUT(BodyPublishers.ofByteArray(content));
    upload
        .path("headers")
        .fields()
        .forEachRemaining(
            h -> {
              if (!h.getKey().equalsIgnoreCase("content-length")) {
                put.header(h.getKey(), h.getValue().asText());
              }
            });
    send(put);
    send(
        HttpRequest.newBuilder(pipeline.baseUri().resolve(created.path("completeUrl").asText()))
            .header("Authorization", "Bearer " + API_KEY)
            .POST(BodyPublishers.noBody()));
    return created.path("id").asText();
  }

  private static String send(HttpRequest.Builder request) throws Exception {
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
    return response.body();
  }

  private static String queryValue(String url, String name) {
    for (String pair : URI.create(url).getRawQuery().split("&")) {
      if (pair.startsWith(name + "=")) {
        return pair.substring(name.length() + 1);
      }
    }
    throw new AssertionError(name + " not in " + url);
  }

  @AfterAll
  static void stopCapturing() {
    if (pipeline != null) {
      pipeline.close();
    }
    if (capture != null) {
      LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
      context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(capture);
      context.getLogger("dev.uplink").setLevel(uplinkLevel);
    }
  }

  private static List<JsonNode> parsed() throws Exception {
    var events = new ArrayList<JsonNode>();
    for (String line : lines) {
      assertThat(line).as("one line per event").endsWith("\n").doesNotContain("\n\n");
      events.add(JSON.readTree(line));
    }
    return events;
  }

  private static List<JsonNode> linesOf(String taskId) throws Exception {
    return parsed().stream().filter(e -> taskId.equals(e.path("taskId").asText(null))).toList();
  }

  @Test
  void everyLineIsOneJsonObjectWithTimeLevelLoggerAndMessage() throws Exception {
    assertThat(lines).hasSizeGreaterThan(10);
    for (JsonNode event : parsed()) {
      assertThat(event.isObject()).isTrue();
      assertThat(event.fieldNames())
          .toIterable()
          .contains("@timestamp", "level", "logger_name", "message");
    }
  }

  @Test
  void aPushsLinesCarryTheTaskOwnerInstanceAttemptAndOutcome() throws Exception {
    List<JsonNode> direct = linesOf(directId);
    assertThat(direct).as("the streamed upload's lines").isNotEmpty();
    assertThat(direct)
        .filteredOn(e -> e.path("message").asText().contains("pushed and verified"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.path("owner").asText()).isEqualTo("alice");
              assertThat(e.path("instance").asText()).isEqualTo(incus.instance());
              assertThat(e.path("attempt").asText()).isEqualTo("1");
              assertThat(e.path("outcome").asText()).isEqualTo("done");
            });
    assertThat(linesOf(failedId))
        .filteredOn(e -> e.path("outcome").asText().equals("failed"))
        .isNotEmpty()
        .allSatisfy(e -> assertThat(e.path("instance").asText()).isEqualTo("no-such-instance"));
    assertThat(linesOf(presignedId)).as("the presigned upload's lines").isNotEmpty();
  }

  @Test
  void anApiRequestsLineCarriesTheOwnerAndTask() throws Exception {
    assertThat(parsed())
        .filteredOn(e -> e.path("logger_name").asText().equals("dev.uplink.api.http.access"))
        .filteredOn(e -> directId.equals(e.path("taskId").asText(null)))
        .isNotEmpty()
        .allSatisfy(e -> assertThat(e.path("owner").asText()).isEqualTo("alice"));
  }

  @Test
  void noApiKeyKeyMaterialSignatureOrFileContentIsLogged() throws Exception {
    String all = String.join("", lines);
    assertThat(all)
        .doesNotContain(API_KEY)
        .doesNotContain(WRONG_KEY)
        .doesNotContain(OPERATOR_KEY)
        .doesNotContain(CONTENT_MARKER);
    assertThat(presignedSignatures).isNotEmpty();
    for (String signature : presignedSignatures) {
      assertThat(signature).hasSize(64);
      assertThat(all).doesNotContain(signature);
    }
    assertThat(all)
        .doesNotContainIgnoringCase("X-Amz-Signature")
        .doesNotContainIgnoringCase("X-Amz-Credential");
    for (String pemLine : Files.readAllLines(incus.clientKey())) {
      if (!pemLine.startsWith("-----") && pemLine.length() >= 16) {
        assertThat(all).as("a line of the client key").doesNotContain(pemLine);
      }
    }
    assertThat(all).doesNotContain("PRIVATE KEY");
  }
}
