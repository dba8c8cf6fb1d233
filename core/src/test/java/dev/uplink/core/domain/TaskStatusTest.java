package dev.uplink.core.domain;

import static dev.uplink.core.domain.TaskStatus.AWAITING_UPLOAD;
import static dev.uplink.core.domain.TaskStatus.CANCELLED;
import static dev.uplink.core.domain.TaskStatus.DONE;
import static dev.uplink.core.domain.TaskStatus.FAILED;
import static dev.uplink.core.domain.TaskStatus.PENDING;
import static dev.uplink.core.domain.TaskStatus.PROCESSING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class TaskStatusTest {

  @ParameterizedTest(name = "{0} -> {1} is allowed")
  @CsvSource({
    "AWAITING_UPLOAD, PENDING",
    "AWAITING_UPLOAD, FAILED",
    "AWAITING_UPLOAD, CANCELLED",
    "PENDING, PROCESSING",
    "PENDING, CANCELLED",
    "PROCESSING, DONE",
    "PROCESSING, FAILED",
    "PROCESSING, PENDING",
    "FAILED, PENDING"
  })
  void theLifeOfATaskFollowsTheseSteps(TaskStatus from, TaskStatus to) {
    assertThat(from.canChangeTo(to)).as("%s -> %s", from, to).isTrue();
  }

  @ParameterizedTest(name = "{0} -> {1} is refused")
  @CsvSource({
    "AWAITING_UPLOAD, PROCESSING",
    "AWAITING_UPLOAD, DONE",
    "PENDING, AWAITING_UPLOAD",
    "FAILED, AWAITING_UPLOAD",
    "PENDING, DONE",
    "PENDING, FAILED",
    "PENDING, PENDING",
    "PROCESSING, PROCESSING",
    "DONE, PENDING",
    "DONE, PROCESSING",
    "DONE, FAILED",
    "FAILED, PROCESSING",
    "FAILED, DONE",
    "PROCESSING, CANCELLED",
    "DONE, CANCELLED",
    "FAILED, CANCELLED",
    "CANCELLED, PENDING",
    "CANCELLED, PROCESSING",
    "CANCELLED, DONE",
    "CANCELLED, FAILED",
    "CANCELLED, CANCELLED"
  })
  void anIllegalTransitionIsATypedErrorNamingBothStatuses(TaskStatus from, TaskStatus to) {
    assertThatThrownBy(() -> from.requireChangeTo(to))
        .isInstanceOfSatisfying(
            IllegalTaskTransitionException.class,
            e -> {
              assertThat(e.from()).isEqualTo(from);
              assertThat(e.to()).isEqualTo(to);
            })
        .hasMessage("A task cannot change status from " + from + " to " + to);
  }

  @Test
  void onlyDoneFailedAndCancelledAreTerminal_andOnlyARetryRevivesAFailedTask() {
    assertThat(DONE.isTerminal()).isTrue();
    assertThat(FAILED.isTerminal()).isTrue();
    assertThat(CANCELLED.isTerminal()).isTrue();
    assertThat(CANCELLED.successors()).isEmpty();
    assertThat(DONE.successors()).isEmpty();
    assertThat(FAILED.successors()).containsExactly(PENDING);
    assertThat(AWAITING_UPLOAD.isTerminal()).isFalse();
    assertThat(PENDING.isTerminal()).isFalse();
    assertThat(PROCESSING.isTerminal()).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(TaskStatus.class)
  void everyStatusIsEitherOpenOrTerminal(TaskStatus status) {
    assertThat(status.isOpen()).isNotEqualTo(status.isTerminal());
  }

  @Test
  void theseAreTheOnlyTransitions() {
    Map<TaskStatus, Set<TaskStatus>> allowed =
        Map.of(
            AWAITING_UPLOAD, EnumSet.of(PENDING, FAILED, CANCELLED),
            PENDING, EnumSet.of(PROCESSING, CANCELLED),
            PROCESSING, EnumSet.of(DONE, FAILED, PENDING),
            DONE, EnumSet.noneOf(TaskStatus.class),
            FAILED, EnumSet.of(PENDING),
            CANCELLED, EnumSet.noneOf(TaskStatus.class));
    for (TaskStatus from : TaskStatus.values()) {
      for (TaskStatus to : TaskStatus.values()) {
        assertThat(from.canChangeTo(to))
            .as("%s -> %s", from, to)
            .isEqualTo(allowed.get(from).contains(to));
      }
    }
  }
}
