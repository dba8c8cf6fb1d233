package dev.uplink.core.domain;

import static dev.uplink.core.testing.TaskBuilder.aTask;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class UploadTaskTest {

  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

  private static UploadTask taskIn(TaskStatus status, Optional<Instant> leaseUntil) {
    return aTask()
        .in(status)
        .attempts(status == TaskStatus.PENDING ? 0 : 1)
        .leasedUntil(leaseUntil)
        .createdAt(NOW.minusSeconds(60))
        .updatedAt(NOW.minusSeconds(30))
        .build();
  }

  @Test
  void givenPendingTask_thenClaimable() {
    assertThat(taskIn(TaskStatus.PENDING, Optional.empty()).claimVerdict(NOW))
        .isEqualTo(ClaimVerdict.CLAIMABLE);
  }

  @Test
  void givenProcessingUnderALiveLease_thenLeased() {
    assertThat(taskIn(TaskStatus.PROCESSING, Optional.of(NOW.plusMillis(1))).claimVerdict(NOW))
        .isEqualTo(ClaimVerdict.LEASED);
  }

  @Test
  void givenProcessingUnderAnExpiredLease_thenClaimableAgain() {
    assertThat(taskIn(TaskStatus.PROCESSING, Optional.of(NOW.minusMillis(1))).claimVerdict(NOW))
        .isEqualTo(ClaimVerdict.CLAIMABLE);
  }

  @Test
  void givenProcessingWithALeaseEndingExactlyNow_thenClaimable() {
    assertThat(taskIn(TaskStatus.PROCESSING, Optional.of(NOW)).claimVerdict(NOW))
        .as("a lease owns the task only while it lies in the future")
        .isEqualTo(ClaimVerdict.CLAIMABLE);
  }

  @Test
  void givenProcessingWithNoLease_thenClaimable() {
    assertThat(taskIn(TaskStatus.PROCESSING, Optional.empty()).claimVerdict(NOW))
        .as("a record from before leases, or one whose worker never set one")
        .isEqualTo(ClaimVerdict.CLAIMABLE);
  }

  @ParameterizedTest
  @EnumSource(
      value = TaskStatus.class,
      names = {"DONE", "FAILED", "CANCELLED"})
  void givenFinishedTask_thenFinishedWhateverItsLease(TaskStatus status) {
    assertThat(taskIn(status, Optional.empty()).claimVerdict(NOW)).isEqualTo(ClaimVerdict.FINISHED);
    assertThat(taskIn(status, Optional.of(NOW.plusSeconds(60))).claimVerdict(NOW))
        .isEqualTo(ClaimVerdict.FINISHED);
  }

  @Test
  void aPendingTaskStartsWithoutAttemptsLeaseOrError() {
    var task =
        UploadTask.pending(TaskId.newId(), "alice", Destination.of("web", "/a"), "k", 5, "00", NOW);

    assertThat(task.status()).isEqualTo(TaskStatus.PENDING);
    assertThat(task.attempts()).isZero();
    assertThat(task.leaseUntil()).isEmpty();
    assertThat(task.lastError()).isEmpty();
    assertThat(task.createdAt()).isEqualTo(NOW);
    assertThat(task.updatedAt()).isEqualTo(NOW);
  }

  @Test
  void theLeaseMayBeEmptyButNotNull() {
    assertThatThrownBy(
            () ->
                UploadTask.builder(
                        TaskId.newId(),
                        "alice",
                        Destination.of("web", "/a"),
                        "k",
                        5,
                        "00",
                        TaskStatus.PENDING,
                        NOW)
                    .leaseUntil(null)
                    .build())
        .isInstanceOf(NullPointerException.class)
        .hasMessage("leaseUntil");
  }
}
