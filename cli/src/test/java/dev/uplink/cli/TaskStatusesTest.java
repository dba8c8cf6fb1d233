package dev.uplink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.domain.TaskStatus;
import java.util.Arrays;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Option;

/** The CLI's statuses follow {@link TaskStatus}, where a status is declared. */
@DisplayName("The CLI knows every task status")
class TaskStatusesTest {

  @Test
  void everyStatusIsOneTheListCommandAcceptsInTheDomainsOrder() {
    assertThat(Task.STATUSES)
        .containsExactlyElementsOf(Arrays.stream(TaskStatus.values()).map(Enum::name).toList());
  }

  @Test
  void theFinishedStatusesAreTheDomainsTerminalOnes() {
    assertThat(Task.FINISHED)
        .containsExactlyInAnyOrderElementsOf(
            Arrays.stream(TaskStatus.values())
                .filter(TaskStatus::isTerminal)
                .map(Enum::name)
                .toList());
  }

  @Test
  void theListCommandsHelpNamesEveryStatus() throws NoSuchFieldException {
    String help =
        String.join(
            " ",
            ListCommand.class.getDeclaredField("status").getAnnotation(Option.class).description());

    assertThat(help).contains(Task.STATUSES);
  }
}
