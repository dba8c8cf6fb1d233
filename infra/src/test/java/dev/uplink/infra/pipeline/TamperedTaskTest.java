package dev.uplink.infra.pipeline;

import static dev.uplink.infra.testing.UplinkHttp.acceptedId;
import static dev.uplink.infra.testing.UplinkHttp.query;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.api.UploadServices;
import dev.uplink.api.http.UploadApi;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.infra.testing.LocalAwsExtension;
import dev.uplink.infra.testing.PollerEnvironment;
import dev.uplink.infra.testing.TestFiles;
import dev.uplink.infra.testing.UplinkHttp;
import dev.uplink.processor.ProcessorWiring;
import dev.uplink.processor.PushException;
import dev.uplink.processor.incus.IncusClient;
import dev.uplink.processor.incus.IncusTestEnvironment;
import dev.uplink.processor.poller.SqsPoller;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Someone who can write the task table (but holds no seal key) rewrites an accepted task's
 * destination before a worker claims it: the processor must notice, refuse it and push nothing. The
 * API, the emulators (the rewrite is a real {@code UpdateItem}) and the poller run in this JVM; the
 * target is the real test incusd. Skips without incusd, fails instead under {@code CI=true}.
 */
@DisplayName("A task rewritten in the table after the API accepted it")
class TamperedTaskTest {

  private static final String KEY = "seal-key-alice";
  private static final String OWNER = "alice";
  private static final String SEAL_KEY = "0123456789abcdef0123456789abcdef-test-seal-key";
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  @RegisterExtension
  static final LocalAwsExtension aws = LocalAwsExtension.create(Duration.ofSeconds(5), 3);

  @TempDir Path dir;

  private IncusTestEnvironment incus;
  private IncusClient incusApi;
  private UplinkConfig config;
  private UploadApi api;
  private UplinkHttp http;
  private ProcessorWiring processor;
  private SqsPoller poller;
  private String root;
  private final ListAppender<ILoggingEvent> security = new ListAppender<>();

  @BeforeEach
  void startApiOnly() throws PushException {
    incus = IncusTestEnvironment.require();
    incusApi = new IncusClient(incus.settings());
    var env = PollerEnvironment.of(aws, incus, dir.resolve("data"));
    env.put("UPLINK_TASK_SEAL_KEY", SEAL_KEY);
    config = UplinkConfig.fromEnvironment(env);
    api =
        UploadApi.start(
            "127.0.0.1", 0, Map.of(KEY, OWNER), UploadServices.onAws(config, aws.clients()));
    http = new UplinkHttp(URI.create("http://127.0.0.1:" + api.port()));
    root = "/srv/seal-" + TestFiles.randomSuffix();
    assertThat(incusApi.stat(incus.instance(), root)).as("%s before the test", root).isEmpty();
    security.start();
    ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(security);
  }

  @AfterEach
  void stopEverything() {
    ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(security);
    if (poller != null) {
      poller.close();
    }
    if (processor != null) {
      processor.close();
    }
    if (http != null) {
      http.close();
    }
    if (api != null) {
      api.close();
    }
    if (incusApi != null) {
      incus.deleteTree(incusApi, root);
      incusApi.close();
    }
  }

  /** Only now does a worker look at the queue: every rewrite has happened before any claim. */
  private void startProcessor() {
    processor = ProcessorWiring.create(config, aws.clients());
    poller = processor.poller(Duration.ofSeconds(2));
    poller.start();
  }

  private String upload(String path, String content) {
    return acceptedId(
        http.uploadBytes(
            KEY,
            query("container", incus.instance(), "path", path, "mode", "0640"),
            content.getBytes(StandardCharsets.UTF_8)));
  }

  /** What an attacker with table write access does: UpdateItem SET name = value, ... */
  private void rewrite(String id, Map<String, AttributeValue> values) {
    var names = new HashMap<String, String>();
    var placeholders = new HashMap<String, AttributeValue>();
    var sets = new ArrayList<String>();
    values.forEach(
        (name, value) -> {
          names.put("#" + name, name);
          placeholders.put(":" + name, value);
          sets.add("#" + name + " = :" + name);
        });
    aws.clients()
        .dynamoDb()
        .updateItem(
            r ->
                r.tableName(aws.settings().table())
                    .key(Map.of("id", AttributeValue.fromS(id)))
                    .updateExpression("SET " + String.join(", ", sets))
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(placeholders));
  }

  private JsonNode awaitFinished(String id) {
    return http.awaitFinished(KEY, id, DEADLINE);
  }

  private void assertTamperedAndLogged(JsonNode task, String id) {
    assertThat(task.path("status").asText()).as("status; task %s", task).isEqualTo("FAILED");
    assertThat(task.path("lastError").path("code").asText())
        .as("lastError code; task %s", task)
        .isEqualTo("TASK_TAMPERED");
    assertThat(security.list)
        .as("log events with the SECURITY marker naming task %s", id)
        .anySatisfy(
            event -> {
              assertThat(event.getMarkerList()).extracting(Object::toString).contains("SECURITY");
              assertThat(event.getFormattedMessage()).contains(id);
            });
  }

  @Test
  void givenItsPathRewritten_whenProcessed_thenFailedTaskTamperedAndNothingLandsAnywhere()
      throws PushException {
    String accepted = root + "/accepted/a.txt";
    String hijacked = root + "/hijacked/evil.txt";
    String id = upload(accepted, "hello from alice");
    rewrite(
        id, Map.of("path", AttributeValue.fromS(hijacked), "mode", AttributeValue.fromN("511")));

    startProcessor();
    JsonNode task = awaitFinished(id);

    assertTamperedAndLogged(task, id);
    assertThat(incusApi.stat(incus.instance(), hijacked)).as("the rewritten path").isEmpty();
    assertThat(incusApi.stat(incus.instance(), accepted)).as("the accepted path").isEmpty();
    assertThat(incusApi.stat(incus.instance(), root)).as("anything under %s", root).isEmpty();
  }

  @Test
  void givenItsInstanceRewritten_whenProcessed_thenFailedTaskTamperedBeforeIncusIsAsked()
      throws PushException {
    String id = upload(root + "/b.txt", "to the accepted instance only");
    rewrite(id, Map.of("instance", AttributeValue.fromS("victim-" + TestFiles.randomSuffix())));

    startProcessor();
    JsonNode task = awaitFinished(id);

    assertTamperedAndLogged(task, id);
    assertThat(incusApi.stat(incus.instance(), root)).as("anything under %s", root).isEmpty();
  }

  @Test
  void givenItsOwnerRewritten_whenProcessed_thenFailedTaskTampered() throws PushException {
    String id = upload(root + "/c.txt", "alice's file");
    rewrite(id, Map.of("owner", AttributeValue.fromS("mallory")));

    startProcessor();
    // The owner changed, so alice's key no longer sees the task: read it from the table.
    JsonNode task = awaitFinishedInTable(id);

    assertThat(task.path("status").asText()).as("status; task %s", task).isEqualTo("FAILED");
    assertThat(task.path("errorCode").asText()).as("errorCode").isEqualTo("TASK_TAMPERED");
    assertThat(incusApi.stat(incus.instance(), root)).as("anything under %s", root).isEmpty();
  }

  @Test
  void givenNothingRewritten_whenProcessed_thenDeliveredAsAccepted() throws Exception {
    String path = root + "/untouched/d.txt";
    String id = upload(path, "sealed and delivered");

    startProcessor();
    JsonNode task = awaitFinished(id);

    assertThat(task.path("status").asText()).as("status; task %s", task).isEqualTo("DONE");
    assertThat(new String(incusApi.readFile(incus.instance(), path), StandardCharsets.UTF_8))
        .as("the file in the instance")
        .isEqualTo("sealed and delivered");
  }

  /** The task item's status and error code, straight from the table, once FAILED or DONE. */
  private JsonNode awaitFinishedInTable(String id) {
    long end = System.nanoTime() + DEADLINE.toNanos();
    while (true) {
      var item =
          aws.clients()
              .dynamoDb()
              .getItem(
                  r ->
                      r.tableName(aws.settings().table())
                          .key(Map.of("id", AttributeValue.fromS(id)))
                          .consistentRead(true))
              .item();
      String status = item.get("status").s();
      if (status.equals("DONE") || status.equals("FAILED") || System.nanoTime() > end) {
        return new ObjectMapper()
            .createObjectNode()
            .put("status", status)
            .put("errorCode", item.containsKey("errorCode") ? item.get("errorCode").s() : "");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for task " + id, e);
      }
    }
  }
}
