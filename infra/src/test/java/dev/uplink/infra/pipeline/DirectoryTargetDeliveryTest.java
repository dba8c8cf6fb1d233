package dev.uplink.infra.pipeline;

import static dev.uplink.infra.testing.UplinkHttp.acceptedId;
import static dev.uplink.infra.testing.UplinkHttp.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.infra.LocalPipeline;
import dev.uplink.infra.testing.LocalAwsExtension;
import dev.uplink.infra.testing.TestFiles;
import dev.uplink.infra.testing.UplinkHttp;
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
}
