package dev.uplink.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.api.fakes.InMemoryDirectUploads;
import dev.uplink.api.fakes.RecordingTaskQueue;
import dev.uplink.api.fakes.StreamingObjectStore;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.DestinationPolicy;
import dev.uplink.core.domain.TaskSealer;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.testing.InMemoryTaskStore;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Every way a task is created seals what the API accepted, and completing keeps the seal. */
@DisplayName("Tasks the API creates are sealed")
class TaskSealingTest {

  private static final TaskSealer SEALER = TaskSealer.of("s".repeat(32));
  private static final Caller ALICE = new Caller("alice", DestinationPolicy.allowAll());
  private static final Destination DESTINATION =
      new Destination("web-1", "/srv/uploads/a.bin", 0640, 1000, 1000);
  private static final byte[] CONTENT = "sealed bytes".getBytes(StandardCharsets.UTF_8);

  private final InMemoryTaskStore tasks = new InMemoryTaskStore();
  private final InMemoryDirectUploads uploads = new InMemoryDirectUploads();
  private final UploadService service = service(Optional.of(SEALER));

  private UploadService service(Optional<TaskSealer> sealer) {
    return new UploadService(
        tasks,
        new StreamingObjectStore(),
        new RecordingTaskQueue(),
        Clock.systemUTC(),
        UploadLimits.defaults(),
        Optional.of(uploads),
        Outages.DEPENDENCIES,
        sealer);
  }

  private UploadTask stored(UploadTask task) {
    return tasks.find(task.id()).orElseThrow();
  }

  private static String sha256(byte[] content) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
  }

  @Test
  void givenStreamedUpload_thenTheRecordedTaskCarriesAValidSeal() {
    UploadTask task =
        service.accept(
            ALICE, DESTINATION, new ByteArrayInputStream(CONTENT), Optional.of("idem-1"));

    assertThat(stored(task).seal()).as("seal as stored").isPresent();
    assertThat(SEALER.verify(stored(task))).isEqualTo(TaskSealer.Verdict.VALID);
    assertThat(stored(task).idempotencyKey())
        .as("the key is kept beside the seal")
        .contains("idem-1");
  }

  @Test
  void givenPresignedPut_thenSealedAtCreationAndStillValidOnceCompleted() throws Exception {
    var direct = service.direct().orElseThrow();
    UploadTask task =
        direct
            .presignPut(ALICE, DESTINATION, CONTENT.length, sha256(CONTENT), Optional.empty())
            .task();
    assertThat(SEALER.verify(stored(task)))
        .as("awaiting its upload")
        .isEqualTo(TaskSealer.Verdict.VALID);

    uploads.putObject(task.objectKey(), CONTENT);
    UploadTask completed = direct.complete("alice", task.id().value());

    assertThat(completed.status()).isEqualTo(TaskStatus.PENDING);
    assertThat(SEALER.verify(stored(task)))
        .as("once completed")
        .isEqualTo(TaskSealer.Verdict.VALID);
  }

  @Test
  void givenMultipartUpload_thenSealedAtCreation() throws Exception {
    UploadTask task =
        service
            .direct()
            .orElseThrow()
            .startMultipart(ALICE, DESTINATION, CONTENT.length, sha256(CONTENT), Optional.empty());

    assertThat(SEALER.verify(stored(task))).isEqualTo(TaskSealer.Verdict.VALID);
  }

  @Test
  void givenNoSealKey_thenTasksAreRecordedUnsealed() {
    UploadTask task =
        service(Optional.empty())
            .accept(ALICE, DESTINATION, new ByteArrayInputStream(CONTENT), Optional.empty());

    assertThat(stored(task).seal()).isEmpty();
  }
}
