package dev.uplink.infra.pipeline;

import static dev.uplink.infra.testing.UplinkHttp.acceptedId;
import static dev.uplink.infra.testing.UplinkHttp.query;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.infra.LocalPipeline;
import dev.uplink.infra.testing.LocalAwsExtension;
import dev.uplink.infra.testing.TestFiles;
import dev.uplink.infra.testing.UplinkHttp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline without Incus ({@code ./uplink local} without {@code UPLINK_INCUS_URL}): files land
 * in {@code dataDir/instances/NAME/PATH}. Needs no incusd, so it always runs.
 */
@DisplayName("Uploads delivered into the local directory target")
class DirectoryTargetDeliveryTest {

  private static final String KEY = "key-alice";

  @RegisterExtension
  static final LocalAwsExtension aws = LocalAwsExtension.create(Duration.ofSeconds(1), 3);

  private static UplinkConfig config;
  private static LocalPipeline pipeline;
  private static UplinkHttp http;

  @BeforeAll
  static void startPipeline() {
    config = aws.config().withApiKeys(Map.of(KEY, "alice"));
    assertThat(config.incus()).as("Incus settings of the directory-target pipeline").isEmpty();
    pipeline = LocalPipeline.start(config, aws.clients(), "127.0.0.1");
    http = new UplinkHttp(pipeline.baseUri());
  }

  @AfterAll
  static void stopPipeline() {
    if (http != null) {
      http.close();
    }
    if (pipeline != null) {
      pipeline.close();
    }
  }

  @Test
  @DisplayName("an uploaded file lands under dataDir/instances/NAME/PATH byte-identical")
  void uploadedFileLandsUnderDataDirByteIdentical(@TempDir Path tmp) throws Exception {
    Path file = TestFiles.random(tmp.resolve("local.bin"), 6L << 20);
    String container = "demo";
    String path = "/srv/uploads/e2e-" + TestFiles.randomSuffix() + "/local.bin";

    String id =
        acceptedId(
            http.uploadFile(
                KEY, query("container", container, "path", path, "mode", "0640"), file));
    JsonNode task = http.awaitFinished(KEY, id, Duration.ofSeconds(30));

    assertThat(task.path("status").asText()).as("status; task %s", task).isEqualTo("DONE");
    assertThat(task.path("sha256").asText()).as("sha256").isEqualTo(TestFiles.sha256(file));
    assertThat(task.path("size").asLong()).as("size").isEqualTo(Files.size(file));
    Path landed =
        config.dataDir().resolve("instances").resolve(container).resolve(path.substring(1));
    assertThat(landed).as("where the directory target puts it").isRegularFile();
    assertThat(landed).as("content of %s", landed).hasSameBinaryContentAs(file);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(landed)))
        .as("permissions of %s", landed)
        .isEqualTo("rw-r-----");
  }

  @Test
  @DisplayName(
      "a push the directory refuses for good fails after one attempt, its error naming only the"
          + " instance's path")
  void aRefusedPushFailsAtOnceNamingOnlyTheInstancesPath() {
    String dir = "/srv/refused-" + TestFiles.randomSuffix();
    JsonNode file = deliver(dir + "/plain");
    assertThat(file.path("status").asText()).as("the file; task %s", file).isEqualTo("DONE");

    JsonNode task = deliver(dir + "/plain/child");

    assertThat(task.path("status").asText()).as("status; task %s", task).isEqualTo("FAILED");
    assertThat(task.path("attempts").asInt()).as("attempts").isEqualTo(1);
    assertThat(task.path("lastError").path("code").asText()).isEqualTo("LOCAL_TARGET_ERROR");
    assertThat(task.path("lastError").path("message").asText())
        .isEqualTo("Cannot write demo:%s/plain/child: %s/plain is not a directory", dir, dir)
        .doesNotContain(config.dataDir().toAbsolutePath().toString());
  }

  @Test
  @DisplayName("a read-only file system fails a push after one attempt, not after every retry")
  void aReadOnlyFileSystemFailsAPushAtOnce() throws Exception {
    String dir = "/srv/read-only-" + TestFiles.randomSuffix();
    Path mountPoint =
        Files.createDirectories(
            config.dataDir().resolve("instances/demo").resolve(dir.substring(1)));
    Process mount =
        new ProcessBuilder(
                "mount", "-t", "tmpfs", "-o", "ro,size=64k", "uplink-test", mountPoint.toString())
            .redirectErrorStream(true)
            .start();
    String said = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assumeTrue(mount.waitFor() == 0, "needs to mount a read-only tmpfs (root on Linux): " + said);
    try {
      JsonNode task = deliver(dir + "/file.bin");

      assertThat(task.path("status").asText()).as("status; task %s", task).isEqualTo("FAILED");
      assertThat(task.path("attempts").asInt()).as("attempts").isEqualTo(1);
      assertThat(task.path("lastError").path("message").asText())
          .isEqualTo("Cannot write demo:%s/file.bin: Read-only file system", dir);
    } finally {
      new ProcessBuilder("umount", mountPoint.toString()).inheritIO().start().waitFor();
    }
  }

  /** Uploads a few bytes to {@code demo:path} and waits until the task is finished. */
  private static JsonNode deliver(String path) {
    String id =
        acceptedId(
            http.uploadBytes(
                KEY,
                query("container", "demo", "path", path),
                "x".getBytes(StandardCharsets.UTF_8)));
    return http.awaitFinished(KEY, id, Duration.ofSeconds(30));
  }
}
