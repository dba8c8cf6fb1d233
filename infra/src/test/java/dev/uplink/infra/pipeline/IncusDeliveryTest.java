package dev.uplink.infra.pipeline;

import static dev.uplink.infra.testing.UplinkHttp.acceptedId;
import static dev.uplink.infra.testing.UplinkHttp.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.DestinationPolicy;
import dev.uplink.infra.LocalPipeline;
import dev.uplink.infra.testing.LocalAwsExtension;
import dev.uplink.infra.testing.QueueProbe;
import dev.uplink.infra.testing.TestFiles;
import dev.uplink.infra.testing.UplinkHttp;
import dev.uplink.processor.PushException;
import dev.uplink.processor.incus.IncusClient;
import dev.uplink.processor.incus.IncusFileInfo;
import dev.uplink.processor.incus.IncusInstance;
import dev.uplink.processor.incus.IncusTestEnvironment;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole pipeline against the real test incusd: HTTP upload, S3, DynamoDB, SQS, the poller and
 * the Incus REST API, each over real sockets. What arrives is read back through the Incus API, not
 * from the host's storage pool. Skips without incusd, fails instead under {@code CI=true}.
 */
@DisplayName("Uploads delivered into a real Incus instance")
class IncusDeliveryTest {

  /** Short, so a message that was wrongly kept would visibly come back within the test. */
  private static final Duration VISIBILITY_TIMEOUT = Duration.ofSeconds(2);

  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final String ALICE = "key-alice";
  private static final Map<String, String> API_KEYS = Map.of(ALICE, "alice", "key-bob", "bob");

  /** A key granted the second project only (issue 19). */
  private static final String OTHER_PROJECT_ONLY = "key-other-project";

  @RegisterExtension
  static final LocalAwsExtension aws = LocalAwsExtension.create(VISIBILITY_TIMEOUT, 3);

  private static final Logger log = LoggerFactory.getLogger(IncusDeliveryTest.class);

  private static IncusTestEnvironment incus;
  private static IncusClient incusApi;
  private static LocalPipeline pipeline;
  private static UplinkHttp http;
  private static final List<String> createdRoots = new ArrayList<>();

  /** Why incusd cannot be used (only ever set outside CI), or null. */
  private static String unavailable;

  /** The instance of the same name in the second project, or null (then its tests skip). */
  private static IncusInstance otherProject;

  private static String otherProjectMissing;

  private static IncusInstance requireOtherProject() {
    try {
      return incus.requireOtherProject(incusApi);
    } catch (TestAbortedException e) {
      otherProjectMissing = e.getMessage();
      return null;
    }
  }

  @BeforeAll
  static void startPipeline() {
    try {
      incus = IncusTestEnvironment.require(); // under CI=true, no incusd fails the class here
    } catch (TestAbortedException e) {
      // Aborting here would hide the tests (surefire counts neither run nor skipped for an
      // aborted container); each test reports the skip with the reason instead.
      unavailable = e.getMessage();
      return;
    }
    incusApi = new IncusClient(incus.settings());
    var callers = new LinkedHashMap<>(aws.config().withApiKeys(API_KEYS).apiKeys());
    otherProject = requireOtherProject();
    if (otherProject != null) {
      callers.put(
          OTHER_PROJECT_ONLY,
          new Caller(
              "carol",
              DestinationPolicy.parse(otherProject.project() + "/" + incus.instance() + ":/srv/")));
    }
    UplinkConfig config =
        aws.config().withIncus(Optional.of(incus.settings())).withCallers(callers);
    pipeline = LocalPipeline.start(config, aws.clients(), "127.0.0.1");
    http = new UplinkHttp(pipeline.baseUri());
  }

  @BeforeEach
  void requireIncus() {
    Assumptions.assumeTrue(unavailable == null, () -> unavailable);
  }

  @AfterAll
  static void stopPipelineAndCleanUp() throws PushException {
    try {
      if (http != null) {
        http.close();
      }
      if (pipeline != null) {
        pipeline.close();
      }
    } finally {
      if (incusApi != null) {
        try {
          for (String root : createdRoots) {
            incus.deleteTree(incusApi, root);
            if (otherProject != null) {
              incus.deleteTree(incusApi, otherProject, root);
            }
          }
        } finally {
          incusApi.close();
        }
      }
    }
  }

  /** A directory path under /srv that does not exist yet; removed after the class. */
  private static String freshRoot() throws PushException {
    String root = "/srv/e2e-" + TestFiles.randomSuffix();
    assertThat(incusApi.stat(incus.instance(), root)).as("%s before the test", root).isEmpty();
    createdRoots.add(root);
    return root;
  }

  /** Reads the file back through the Incus API and hashes it as it streams. */
  private static TestFiles.Digest readBack(String path) throws PushException, IOException {
    try (InputStream in = incusApi.openFile(incus.instance(), path)) {
      return TestFiles.sha256(in);
    }
  }

  /** Checks the finished task and the file in the instance against the file that was sent. */
  private static void assertDelivered(JsonNode task, String path, Path sent)
      throws PushException, IOException {
    String sha256 = TestFiles.sha256(sent);
    long size = Files.size(sent);
    assertThat(task.path("status").asText()).as("task status; task %s", task).isEqualTo("DONE");
    assertThat(task.path("attempts").asInt()).as("attempts").isEqualTo(1);
    assertThat(task.path("lastError").isNull()).as("lastError of a DONE task").isTrue();
    assertThat(task.path("sha256").asText()).as("sha256 the API reported").isEqualTo(sha256);
    assertThat(task.path("size").asLong()).as("size the API reported").isEqualTo(size);
    assertThat(task.path("container").asText()).as("container").isEqualTo(incus.instance());
    assertThat(task.path("path").asText()).as("path").isEqualTo(path);

    TestFiles.Digest arrived = readBack(path);
    assertThat(arrived.size()).as("size of %s read back from Incus", path).isEqualTo(size);
    assertThat(arrived.hex()).as("SHA-256 of %s read back from Incus", path).isEqualTo(sha256);
  }

  @Nested
  @DisplayName("a raw application/octet-stream body")
  class RawBody {

    @Test
    @DisplayName("of 20 MiB of random bytes arrives byte-identical and the task is DONE")
    void twentyMibRandomFileArrivesByteIdenticalAndTaskIsDone(@TempDir Path tmp) throws Exception {
      Path file = TestFiles.random(tmp.resolve("random-20m.bin"), 20L << 20);
      String path = freshRoot() + "/random-20m.bin";

      long started = System.nanoTime();
      String id =
          acceptedId(
              http.uploadFile(ALICE, query("container", incus.instance(), "path", path), file));
      long accepted = System.nanoTime();
      JsonNode task = http.awaitFinished(ALICE, id, DEADLINE);
      long finished = System.nanoTime();
      log.info(
          "20 MiB end to end: upload answered 202 after {} ms, task DONE {} ms later, {} ms in"
              + " total",
          (accepted - started) / 1_000_000,
          (finished - accepted) / 1_000_000,
          (finished - started) / 1_000_000);

      assertDelivered(task, path, file);
      assertThat(task.path("mode").asText()).as("default mode").isEqualTo("0644");
    }
  }

  @Nested
  @DisplayName("a multipart/form-data body")
  class MultipartBody {

    @Test
    @DisplayName("with the destination as form fields before the file part arrives intact")
    void filePartArrivesByteIdentical(@TempDir Path tmp) throws Exception {
      Path file = TestFiles.random(tmp.resolve("form.bin"), 3L << 20);
      String path = freshRoot() + "/form.bin";
      var form =
          new Multipart()
              .field("container", incus.instance())
              .field("path", path)
              .file("file", "form.bin", file);

      HttpResponse<String> response =
          http.post(ALICE, "", Map.of(), form.contentType(), form.body());

      assertDelivered(http.awaitFinished(ALICE, acceptedId(response), DEADLINE), path, file);
    }
  }

  @Nested
  @DisplayName("a destination given in X-Container-Name / X-File-Path headers")
  class DestinationHeaders {

    @Test
    @DisplayName("is honoured and the file arrives intact")
    void headersChooseTheDestination(@TempDir Path tmp) throws Exception {
      Path file = TestFiles.random(tmp.resolve("headers.bin"), 1L << 20);
      String path = freshRoot() + "/headers.bin";

      HttpResponse<String> response =
          http.post(
              ALICE,
              "",
              Map.of("X-Container-Name", incus.instance(), "X-File-Path", path),
              "application/octet-stream",
              BodyPublishers.ofFile(file));

      assertDelivered(http.awaitFinished(ALICE, acceptedId(response), DEADLINE), path, file);
    }
  }

  @Nested
  @DisplayName("a nested path whose parent directories do not exist")
  class NestedPath {

    @Test
    @DisplayName("gets its parents created and the requested mode applied")
    void parentsAreCreatedAndModeIsApplied(@TempDir Path tmp) throws Exception {
      Path file = TestFiles.random(tmp.resolve("file.bin"), 256 * 1024);
      String root = freshRoot();
      String path = root + "/a/b/c/file.bin";

      String id =
          acceptedId(
              http.uploadFile(
                  ALICE, query("container", incus.instance(), "path", path, "mode", "0640"), file));
      JsonNode task = http.awaitFinished(ALICE, id, DEADLINE);

      assertDelivered(task, path, file);
      assertThat(task.path("mode").asText()).as("mode the API reported").isEqualTo("0640");
      IncusFileInfo info = incusApi.stat(incus.instance(), path).orElseThrow();
      assertThat(info.isFile()).as("%s is a file", path).isTrue();
      assertThat(info.octalMode()).as("mode of %s in the instance", path).isEqualTo("0640");
      for (String dir : List.of(root, root + "/a", root + "/a/b", root + "/a/b/c")) {
        assertThat(incusApi.stat(incus.instance(), dir))
            .as("parent %s", dir)
            .hasValueSatisfying(
                d -> assertThat(d.isDirectory()).as("%s is a directory", dir).isTrue());
      }
    }
  }

  @Nested
  @DisplayName("Incus projects: an instance of the same name in two projects")
  class Projects {

    @BeforeEach
    void requireTheOtherProject() {
      Assumptions.assumeTrue(otherProject != null, () -> otherProjectMissing);
    }

    @Test
    @DisplayName("each upload lands in its own project's instance, read back through Incus")
    void eachUploadLandsInItsOwnProject() throws Exception {
      String root = freshRoot();
      byte[] toDefault = TestFiles.randomBytes(3000);
      byte[] toOther = TestFiles.randomBytes(5000);
      String path = root + "/same-name.bin";

      String inDefault =
          acceptedId(
              http.uploadBytes(
                  ALICE, query("container", incus.instance(), "path", path), toDefault));
      String inOther =
          acceptedId(
              http.uploadBytes(
                  ALICE,
                  query(
                      "project",
                      otherProject.project(),
                      "container",
                      incus.instance(),
                      "path",
                      path),
                  toOther));
      JsonNode defaultTask = http.awaitFinished(ALICE, inDefault, DEADLINE);
      JsonNode otherTask = http.awaitFinished(ALICE, inOther, DEADLINE);

      assertThat(defaultTask.path("status").asText()).as("task %s", defaultTask).isEqualTo("DONE");
      assertThat(otherTask.path("status").asText()).as("task %s", otherTask).isEqualTo("DONE");
      assertThat(defaultTask.path("project").asText()).isEqualTo("default");
      assertThat(otherTask.path("project").asText()).isEqualTo(otherProject.project());
      assertThat(incusApi.readFile(IncusInstance.of(incus.instance()), path))
          .as("%s in the default project", path)
          .isEqualTo(toDefault);
      assertThat(incusApi.readFile(otherProject, path))
          .as("%s in project %s", path, otherProject.project())
          .isEqualTo(toOther);
    }

    @Test
    @DisplayName("a key granted one project gets 403 for the other, naming the project")
    void aKeyGrantedOneProjectIsForbiddenTheOther() throws Exception {
      String root = freshRoot();

      var refused =
          http.uploadBytes(
              OTHER_PROJECT_ONLY,
              query("container", incus.instance(), "path", root + "/refused.bin"),
              new byte[] {1});
      String allowed =
          acceptedId(
              http.uploadBytes(
                  OTHER_PROJECT_ONLY,
                  query(
                      "project",
                      otherProject.project(),
                      "container",
                      incus.instance(),
                      "path",
                      root + "/allowed.bin"),
                  new byte[] {2}));

      assertThat(UplinkHttp.problem(refused, 403, "destination-forbidden").path("field").asText())
          .isEqualTo("project");
      assertThat(http.awaitFinished(OTHER_PROJECT_ONLY, allowed, DEADLINE).path("status").asText())
          .isEqualTo("DONE");
      assertThat(incusApi.stat(IncusInstance.of(incus.instance()), root + "/refused.bin"))
          .as("nothing in the default project")
          .isEmpty();
    }

    @Test
    @DisplayName("a project Incus does not have fails the task once, PROJECT_NOT_FOUND")
    void aMissingProjectFailsTheTaskWithItsOwnCode() throws Exception {
      String missing = "e2e-missing-" + TestFiles.randomSuffix();

      String id =
          acceptedId(
              http.uploadBytes(
                  ALICE,
                  query("project", missing, "container", incus.instance(), "path", "/srv/x.bin"),
                  new byte[] {3}));
      JsonNode task = http.awaitFinished(ALICE, id, DEADLINE);

      assertThat(task.path("status").asText()).as("task %s", task).isEqualTo("FAILED");
      assertThat(task.path("attempts").asInt()).as("attempts").isEqualTo(1);
      assertThat(task.path("lastError").path("code").asText()).isEqualTo("PROJECT_NOT_FOUND");
      assertThat(task.path("lastError").path("message").asText())
          .contains("Project not found")
          .contains(missing);
    }
  }

  @Nested
  @DisplayName("an instance that does not exist")
  class UnknownInstance {

    @Test
    @DisplayName("fails after one attempt with Incus's reason, and its message is not retried")
    void failsOnceWithIncusReasonAndIsNotRetried() throws Exception {
      String missing = "e2e-missing-" + TestFiles.randomSuffix();
      byte[] content = TestFiles.randomBytes(4096);

      String id =
          acceptedId(
              http.uploadBytes(ALICE, query("container", missing, "path", "/srv/x.bin"), content));
      JsonNode task = http.awaitFinished(ALICE, id, DEADLINE);

      assertThat(task.path("status").asText()).as("status; task %s", task).isEqualTo("FAILED");
      assertThat(task.path("attempts").asInt()).as("attempts").isEqualTo(1);
      assertThat(task.path("lastError").path("code").asText())
          .as("lastError.code")
          .isEqualTo("INSTANCE_NOT_FOUND");
      assertThat(task.path("lastError").path("message").asText())
          .as("lastError.message carries Incus's own reason")
          .contains("Instance not found")
          .contains(missing);

      awaitQueueEmpty();
      assertThat(messages(aws.resources().deadLetterQueueUrl()))
          .as("messages in the dead-letter queue")
          .isZero();

      // Had the message been kept, it would be visible again after the visibility timeout and
      // the poller would claim the task once more.
      Thread.sleep(VISIBILITY_TIMEOUT.plusMillis(1_000));
      JsonNode later = UplinkHttp.json(http.task(ALICE, id));
      assertThat(later.path("attempts").asInt())
          .as("attempts after the visibility timeout has passed")
          .isEqualTo(1);
      assertThat(later.path("updatedAt").asText())
          .as("updatedAt after the visibility timeout has passed")
          .isEqualTo(task.path("updatedAt").asText());
      assertThat(messages(aws.resources().queueUrl()))
          .as("messages in the work queue after the visibility timeout")
          .isZero();
    }

    /** The message is deleted just after the task is recorded: wait for that, briefly. */
    private void awaitQueueEmpty() throws InterruptedException {
      long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      long count;
      while ((count = messages(aws.resources().queueUrl())) != 0 && System.nanoTime() < end) {
        Thread.sleep(50);
      }
      assertThat(count)
          .as("messages in the work queue (visible, in flight or delayed) after FAILED")
          .isZero();
    }
  }

  /** Visible + in-flight + delayed messages of a queue. */
  static long messages(String queueUrl) {
    return QueueProbe.messages(aws.clients().sqs(), queueUrl);
  }
}
