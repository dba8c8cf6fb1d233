package dev.uplink.core.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.domain.Destination;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The FIFO message group of a destination")
class SqsTaskQueueGroupTest {

  private static final Destination WEB = Destination.of("web", "/srv/f");

  @Test
  @DisplayName("is the bare instance on the default remote in the default project, as before")
  void defaultRemoteAndProjectKeepTheOldGroup() {
    assertThat(SqsTaskQueue.messageGroup(WEB)).isEqualTo("web");
  }

  @Test
  @DisplayName("names the remote and the project otherwise, as the incus CLI does")
  void qualifiedOtherwise() {
    assertThat(SqsTaskQueue.messageGroup(WEB.on("lab", null))).isEqualTo("lab:default/web");
    assertThat(SqsTaskQueue.messageGroup(WEB.on(null, "team-a"))).isEqualTo(":team-a/web");
  }

  @Test
  @DisplayName("is a SHA-256 when the qualified name is longer than SQS allows (128)")
  void hashedWhenTooLong() {
    Destination longest = WEB.on("r".repeat(63), "p".repeat(63));

    String group = SqsTaskQueue.messageGroup(longest);

    assertThat(group).hasSize(64).matches("[0-9a-f]{64}");
    assertThat(SqsTaskQueue.messageGroup(WEB.on("r".repeat(63), "q".repeat(63))))
        .as("another destination, another group")
        .isNotEqualTo(group);
  }
}
