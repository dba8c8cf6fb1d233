package dev.uplink.core.logging;

import static dev.uplink.core.domain.TaskStatus.PROCESSING;
import static dev.uplink.core.testing.TaskBuilder.aTask;
import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.UploadTask;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

@DisplayName("A task's fields on every log line of its work, and gone after it")
class TaskLogContextTest {

  @AfterEach
  void clear() {
    MDC.clear();
  }

  @Test
  @DisplayName("a task's context carries its id, owner, instance, attempt and outcome until closed")
  void theTasksFieldsUntilClosed() {
    UploadTask task =
        aTask().ownedBy("alice").to("web-1", "/srv/a.bin").in(PROCESSING).attempts(2).build();
    MDC.put("requestId", "req-1");

    try (var context = TaskLogContext.of(task)) {
      TaskLogContext.outcome("done");
      assertThat(MDC.getCopyOfContextMap())
          .containsEntry(TaskLogContext.TASK_ID, task.id().value())
          .containsEntry(TaskLogContext.OWNER, "alice")
          .containsEntry(TaskLogContext.INSTANCE, "web-1")
          .containsEntry(TaskLogContext.ATTEMPT, "2")
          .containsEntry(TaskLogContext.OUTCOME, "done")
          .containsEntry("requestId", "req-1");
    }

    assertThat(MDC.getCopyOfContextMap()).isEqualTo(Map.of("requestId", "req-1"));
  }

  @Test
  @DisplayName("a context opened by id alone is described once the task is read")
  void anIdAloneThenTheTask() {
    UploadTask task = aTask().ownedBy("bob").build();

    try (var context = TaskLogContext.of(task.id())) {
      assertThat(MDC.getCopyOfContextMap()).isEqualTo(Map.of("taskId", task.id().value()));
      TaskLogContext.describe(task);
      assertThat(MDC.get(TaskLogContext.OWNER)).isEqualTo("bob");
    }

    assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();
  }

  @Test
  @DisplayName("a task's lines carry its project beside its instance, and closing restores")
  void aTasksLinesCarryItsProjectBesideItsInstance() {
    UploadTask task =
        aTask().ownedBy("alice").to(Destination.of("web", "/srv/a").on(null, "team-a")).build();

    try (var context = TaskLogContext.of(task)) {
      assertThat(MDC.get(TaskLogContext.OWNER)).isEqualTo("alice");
      assertThat(MDC.get(TaskLogContext.PROJECT)).isEqualTo("team-a");
      assertThat(MDC.get(TaskLogContext.INSTANCE)).isEqualTo("web");
    }

    assertThat(MDC.get(TaskLogContext.PROJECT)).as("restored after").isNull();
  }
}
