package dev.uplink.processor;

import static dev.uplink.processor.PushWorkerBuilder.productionSettings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WorkerSettingsTest {

  private final WorkerSettings settings = productionSettings();

  @Test
  void givenProductionSettings_thenProgressIsRecordedEveryTwoSeconds() {
    assertThat(settings.progressInterval()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void givenProgressInterval_whenOtherSettingsChange_thenItIsKept() {
    RetryPolicy retry =
        settings.retry().withMaxReceiveCount(3).withMaxBackoff(Duration.ofMinutes(1));
    WorkerSettings changed =
        settings
            .withProgressInterval(Duration.ofMillis(500))
            .withVisibilityTimeout(Duration.ofSeconds(30))
            .withRetry(retry)
            .withKeepObjects(true)
            .withPerHostWorkers(2);

    assertThat(changed)
        .isEqualTo(
            new WorkerSettings(
                Duration.ofSeconds(30),
                retry,
                true,
                2,
                Duration.ofMillis(500),
                settings.circuitOpenAfter()));
  }

  @Test
  void givenAnotherCircuit_whenChanged_thenTheHoldsFollowItsMaxHold() {
    WorkerSettings patient = settings.withCircuit(5, Duration.ofHours(2));

    assertThat(patient.circuitOpenAfter()).isEqualTo(5);
    assertThat(patient.retry().circuitMaxHold()).isEqualTo(Duration.ofHours(2));
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1})
  void givenNonPositiveProgressInterval_whenBuilt_thenRejected(long millis) {
    assertThatThrownBy(() -> settings.withProgressInterval(Duration.ofMillis(millis)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("progressInterval");
  }
}
