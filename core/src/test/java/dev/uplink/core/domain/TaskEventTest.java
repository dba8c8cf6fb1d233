package dev.uplink.core.domain;

import static dev.uplink.core.testing.TaskBuilder.aTask;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TaskEventTest {

  private static final Instant AT = Instant.parse("2026-12-07T10:00:00Z");

  @Test
  void aCreatedTaskIsAnEventOfItsStatus() {
    UploadTask pending = aTask().createdAt(AT).build();

    TaskEvent event = TaskEvent.of(Optional.empty(), pending).orElseThrow();

    assertThat(event.type()).isEqualTo("upload.pending");
    assertThat(event.id()).isEqualTo("evt_" + pending.id().value() + "_1");
    assertThat(event.time()).isEqualTo(AT);
    assertThat(event.task()).isSameAs(pending);
  }

  @Test
  void aChangedStatusIsAnEventNumberedByTheTimeline() {
    UploadTask pending = aTask().createdAt(AT).build();
    UploadTask processing =
        pending.toBuilder()
            .status(TaskStatus.PROCESSING)
            .attempts(1)
            .updatedAt(AT.plusSeconds(1))
            .timeline(
                java.util.List.of(
                    Transition.created(TaskStatus.PENDING, AT),
                    new Transition(
                        AT.plusSeconds(1),
                        Optional.of(TaskStatus.PENDING),
                        TaskStatus.PROCESSING,
                        1,
                        "claimed")))
            .build();

    TaskEvent event = TaskEvent.of(Optional.of(pending), processing).orElseThrow();

    assertThat(event.type()).isEqualTo("upload.processing");
    assertThat(event.id()).isEqualTo("evt_" + pending.id().value() + "_2");
    assertThat(event.time()).isEqualTo(AT.plusSeconds(1));
  }

  @Test
  void aWriteThatKeepsTheStatusIsNoEvent() {
    UploadTask processing = aTask().in(TaskStatus.PROCESSING).attempts(1).build();

    assertThat(TaskEvent.of(Optional.of(processing), processing.toBuilder().bytesPushed(9).build()))
        .isEmpty();
  }

  @Test
  void everyStatusHasItsType() {
    for (TaskStatus status : TaskStatus.values()) {
      assertThat(TaskEvent.typeOf(status)).isEqualTo("upload." + status.name().toLowerCase());
    }
    assertThat(TaskEvent.typeOf(TaskStatus.AWAITING_UPLOAD)).isEqualTo("upload.awaiting_upload");
  }
}
