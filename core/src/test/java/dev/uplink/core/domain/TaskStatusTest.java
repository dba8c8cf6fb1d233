package dev.uplink.core.domain;

import static dev.uplink.core.domain.TaskStatus.DONE;
import static dev.uplink.core.domain.TaskStatus.FAILED;
import static dev.uplink.core.domain.TaskStatus.PENDING;
import static dev.uplink.core.domain.TaskStatus.PROCESSING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TaskStatusTest {

  @ParameterizedTest(name = "{0} -> {1} is allowed")
  @CsvSource({
    "PENDING, PROCESSING",
    "PENDING, FAILED",
    "PROCESSING, DONE",
    "PROCESSING, FAILED",
    "PROCESSING, PENDING"
  })
  void theLifeOfATaskFollowsTheseSteps(TaskStatus from, TaskStatus to) {
    assertThat(from.canChangeTo(to)).as("%s -> %s", from, to).isTrue();
  }

  @ParameterizedTest(name = "{0} -> {1} is refused")
  @CsvSource({
    "PENDING, DONE",
    "PENDING, PENDING",
    "PROCESSING, PROCESSING",
    "DONE, PENDING",
    "DONE, PROCESSING",
    "DONE, FAILED",
    "FAILED, PENDING",
    "FAILED, PROCESSING",
    "FAILED, DONE"
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
  void onlyDoneAndFailedAreTerminal() {
    assertThat(DONE.isTerminal()).isTrue();
    assertThat(FAILED.isTerminal()).isTrue();
    assertThat(PENDING.isTerminal()).isFalse();
    assertThat(PROCESSING.isTerminal()).isFalse();
  }
}
