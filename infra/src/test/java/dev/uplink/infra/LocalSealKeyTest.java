package dev.uplink.infra;

import static dev.uplink.core.testing.TaskBuilder.aTask;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.domain.TaskSealer;
import dev.uplink.core.domain.UploadTask;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./uplink local} seals and checks tasks with one key, kept across restarts. */
@DisplayName("The local stack's task seal key")
class LocalSealKeyTest {

  @TempDir Path dataDir;

  private UplinkConfig config(Map<String, String> env) {
    var all = new java.util.HashMap<>(env);
    all.put("UPLINK_DATA_DIR", dataDir.toString());
    return UplinkConfig.fromEnvironment(all);
  }

  private static UploadTask task() {
    return aTask()
        .ownedBy("dev")
        .to("demo", "/srv/a")
        .objectKey("uploads/a")
        .sha256("ab".repeat(32))
        .createdAt(Instant.EPOCH)
        .build();
  }

  @Test
  void givenFirstStart_thenAKeyOnlyTheOwnerMayReadIsGeneratedAndUsed() throws IOException {
    TaskSealer sealer =
        UplinkLocal.withTaskSealKey(config(Map.of())).security().sealer().orElseThrow();

    Path file = dataDir.resolve(UplinkLocal.SEAL_KEY_FILE);
    assertThat(Files.readString(file).strip()).matches("[0-9a-f]{64}");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(TaskSealer.of(Files.readString(file).strip()).verify(sealer.seal(task())))
        .isEqualTo(TaskSealer.Verdict.VALID);
  }

  @Test
  void givenARestart_thenTasksSealedBeforeItStillVerify() throws IOException {
    UploadTask sealedBefore =
        UplinkLocal.withTaskSealKey(config(Map.of()))
            .security()
            .sealer()
            .orElseThrow()
            .seal(task());

    TaskSealer afterRestart =
        UplinkLocal.withTaskSealKey(config(Map.of())).security().sealer().orElseThrow();

    assertThat(afterRestart.verify(sealedBefore)).isEqualTo(TaskSealer.Verdict.VALID);
  }

  @Test
  void givenAKeyInTheEnvironment_thenItIsUsedAndNoFileIsWritten() throws IOException {
    String key = "e".repeat(32);

    TaskSealer sealer =
        UplinkLocal.withTaskSealKey(config(Map.of("UPLINK_TASK_SEAL_KEY", key)))
            .security()
            .sealer()
            .orElseThrow();

    assertThat(TaskSealer.of(key).verify(sealer.seal(task()))).isEqualTo(TaskSealer.Verdict.VALID);
    assertThat(dataDir.resolve(UplinkLocal.SEAL_KEY_FILE)).doesNotExist();
  }

  @Test
  void givenAnUnusableKeyFile_thenTheStartStopsNamingTheFile() throws IOException {
    Files.writeString(dataDir.resolve(UplinkLocal.SEAL_KEY_FILE), "short\n");

    assertThatThrownBy(() -> UplinkLocal.withTaskSealKey(config(Map.of())))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(UplinkLocal.SEAL_KEY_FILE)
        .hasMessageContaining("at least 32 bytes");
  }
}
