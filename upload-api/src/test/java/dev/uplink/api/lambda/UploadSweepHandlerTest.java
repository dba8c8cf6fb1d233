package dev.uplink.api.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.api.DirectUploadService;
import dev.uplink.api.UploadLimits;
import dev.uplink.api.UploadService;
import dev.uplink.api.fakes.InMemoryDirectUploads;
import dev.uplink.api.fakes.RecordingTaskQueue;
import dev.uplink.api.fakes.StreamingObjectStore;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.DestinationPolicy;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.testing.InMemoryTaskStore;
import dev.uplink.core.testing.SettableClock;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The scheduled sweep completes presigned uploads whose object arrived without a completion, and
 * fails with UPLOAD_EXPIRED (aborting their parts) those not uploaded within their window.
 */
class UploadSweepHandlerTest {

  private static final Duration WINDOW = Duration.ofHours(1);
  private static final Caller ALICE = new Caller("alice", DestinationPolicy.allowAll());

  /** What EventBridge sends a scheduled function. */
  private static final Map<String, Object> SCHEDULED_EVENT =
      Map.of(
          "source", "aws.events",
          "detail-type", "Scheduled Event",
          "time", "2026-11-22T10:00:00Z",
          "detail", Map.of());

  private final SettableClock clock = new SettableClock(Instant.parse("2026-11-22T10:00:00Z"));
  private final InMemoryTaskStore tasks = new InMemoryTaskStore(clock);
  private final RecordingTaskQueue queue = new RecordingTaskQueue();
  private final InMemoryDirectUploads uploads = new InMemoryDirectUploads();
  private final DirectUploadService direct =
      new UploadService(
              tasks,
              new StreamingObjectStore(),
              queue,
              clock,
              UploadLimits.defaults().withPresigning(Duration.ofMinutes(15), WINDOW),
              Optional.of(uploads))
          .direct()
          .orElseThrow();
  private final UploadSweepHandler handler = new UploadSweepHandler(direct);

  private static String sha256(byte[] content) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
  }

  private UploadTask presigned(String path, byte[] content) throws Exception {
    return direct
        .presignPut(
            ALICE, Destination.of("web", path), content.length, sha256(content), Optional.empty())
        .task();
  }

  private UploadTask stored(UploadTask task) {
    return tasks.find(task.id()).orElseThrow();
  }

  @Test
  void anUploadedObjectWhoseCompletionNeverCameIsCompletedOnce() throws Exception {
    byte[] content = "arrived".getBytes(StandardCharsets.UTF_8);
    UploadTask task = presigned("/srv/a", content);
    uploads.putObject(task.objectKey(), content);

    int first = handler.handleRequest(SCHEDULED_EVENT, null);
    int second = handler.handleRequest(SCHEDULED_EVENT, null);

    assertThat(first).isEqualTo(1);
    assertThat(second).isZero();
    assertThat(stored(task).status()).isEqualTo(TaskStatus.PENDING);
    assertThat(queue.published()).containsExactly(task.id());
  }

  @Test
  void anUploadStillWithinItsWindowIsLeftWaiting() throws Exception {
    UploadTask task = presigned("/srv/b", new byte[] {1, 2, 3});
    clock.advance(WINDOW);

    int changed = handler.handleRequest(SCHEDULED_EVENT, null);

    assertThat(changed).isZero();
    assertThat(stored(task).status()).isEqualTo(TaskStatus.AWAITING_UPLOAD);
  }

  @Test
  void anUploadNotMadeWithinItsWindowFailsAsExpired() throws Exception {
    UploadTask task = presigned("/srv/c", new byte[] {1, 2, 3});
    clock.advance(WINDOW.plusSeconds(1));

    int changed = handler.handleRequest(SCHEDULED_EVENT, null);

    assertThat(changed).isEqualTo(1);
    UploadTask failed = stored(task);
    assertThat(failed.status()).isEqualTo(TaskStatus.FAILED);
    assertThat(failed.lastError().orElseThrow().code()).isEqualTo(TaskError.UPLOAD_EXPIRED);
    assertThat(queue.published()).isEmpty();
  }

  @Test
  void anExpiredMultipartUploadIsAbortedWithThePartsItHad() throws Exception {
    byte[] content = new byte[10];
    UploadTask task =
        direct.startMultipart(
            ALICE,
            Destination.of("web", "/srv/d"),
            content.length,
            sha256(content),
            Optional.empty());
    String uploadId = task.directUpload().orElseThrow().multipartUploadId().orElseThrow();
    uploads.putPart(uploadId, 1, content);
    clock.advance(WINDOW.plusSeconds(1));

    handler.handleRequest(SCHEDULED_EVENT, null);

    assertThat(stored(task).lastError().orElseThrow().code()).isEqualTo(TaskError.UPLOAD_EXPIRED);
    assertThat(uploads.aborted()).containsExactly(uploadId);
  }

  @Test
  void anExpiredUploadWhoseObjectArrivedIsCompletedNotFailed() throws Exception {
    byte[] content = "late but there".getBytes(StandardCharsets.UTF_8);
    UploadTask task = presigned("/srv/e", content);
    uploads.putObject(task.objectKey(), content);
    clock.advance(WINDOW.plusSeconds(1));

    handler.handleRequest(SCHEDULED_EVENT, null);

    assertThat(stored(task).status()).isEqualTo(TaskStatus.PENDING);
    assertThat(queue.published()).containsExactly(task.id());
  }
}
