package dev.uplink.core.logging;

import static dev.uplink.core.testing.TaskBuilder.aTask;
import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.UploadTask;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class TaskLogContextTest {

  @Test
  @DisplayName("A task's lines carry its project beside its instance, and closing restores")
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
