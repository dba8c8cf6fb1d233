package dev.uplink.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WorkerSettingsTest {

  private final WorkerSettings settings =
      new WorkerSettings(Duration.ofSeconds(60), 5, Duration.ofMinutes(15), false, 8);

  @Test
  void givenNoProgressInterval_whenBuilt_thenProgressIsRecordedEveryTwoSeconds() {
    assertThat(settings.progressInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(WorkerSettings.defaults().progressInterval()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void givenProgressInterval_whenOtherSettingsChange_thenItIsKept() {
    WorkerSettings changed =
        settings
            .withProgressInterval(Duration.ofMillis(500))
            .withVisibilityTimeout(Duration.ofSeconds(30))
            .withMaxReceiveCount(3)
            .withMaxBackoff(Duration.ofMinutes(1))
            .withKeepObjects(true)
            .withPerHostWorkers(2);

    assertThat(changed)
        .isEqualTo(
            new WorkerSettings(
                Duration.ofSeconds(30), 3, Duration.ofMinutes(1), true, 2, Duration.ofMillis(500)));
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1})
  void givenNonPositiveProgressInterval_whenBuilt_thenRejected(long millis) {
    assertThatThrownBy(() -> settings.withProgressInterval(Duration.ofMillis(millis)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("progressInterval");
  }
}
