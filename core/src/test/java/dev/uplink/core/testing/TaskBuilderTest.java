package dev.uplink.core.testing;

import static dev.uplink.core.testing.TaskBuilder.aTask;
import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.DirectUpload;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TaskBuilderTest {

  private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");

  @Test
  void byDefault_aTaskIsAlicesPendingTaskAsUploadTaskPendingMakesIt() {
    UploadTask task = aTask().createdAt(NOW).build();

    assertThat(task)
        .isEqualTo(
            UploadTask.pending(
                task.id(),
                "alice",
                Destination.of("web-1", "/srv/file.bin"),
                "uploads/" + task.id().value(),
                1,
                TaskBuilder.EMPTY_SHA256,
                NOW));
  }

  @Test
  void givenADirectUpload_thenTheTaskAwaitsItAsUploadTaskAwaitingUploadMakesIt() {
    DirectUpload upload = DirectUpload.singlePut(NOW.plusSeconds(60));

    UploadTask task = aTask().awaitingUpload(upload).createdAt(NOW).idempotencyKey("k").build();

    assertThat(task.status()).isEqualTo(TaskStatus.AWAITING_UPLOAD);
    assertThat(task.directUpload()).contains(upload);
    assertThat(task.idempotencyKey()).contains("k");
    assertThat(task.timeline()).hasSize(1);
  }

  @Test
  void givenAnotherStatus_thenTheTaskIsBuiltWholeWithAnEmptyTimeline() {
    TaskError error = new TaskError(TaskError.RETRIES_EXHAUSTED, "gave up");

    UploadTask task =
        aTask()
            .in(TaskStatus.FAILED)
            .attempts(3)
            .failedWith(error)
            .createdAt(NOW)
            .updatedAt(NOW.plusSeconds(5))
            .build();

    assertThat(task.status()).isEqualTo(TaskStatus.FAILED);
    assertThat(task.attempts()).isEqualTo(3);
    assertThat(task.lastError()).contains(error);
    assertThat(task.leaseUntil()).isEqualTo(Optional.empty());
    assertThat(task.updatedAt()).isEqualTo(NOW.plusSeconds(5));
    assertThat(task.timeline()).isEqualTo(List.of());
  }
}
