package dev.uplink.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Nested;
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

  @Nested
  class HoldsWhileAHostIsUnreachable {

    /** The documented defaults: 300 s visibility, 5 receives, 300 s backoff, 30 min hold. */
    private final WorkerSettings defaults =
        WorkerSettings.from(
            dev.uplink.core.config.UplinkConfig.fromEnvironment(java.util.Map.of()));

    @Test
    void givenDefaults_thenHoldsStartAtTheMaxBackoffAndDoubleUpToHalfAnHour() {
      assertThat(
              java.util.stream.IntStream.rangeClosed(1, 6)
                  .mapToObj(defaults::hold)
                  .map(Duration::toSeconds)
                  .toList())
          .containsExactly(300L, 600L, 1200L, 1800L, 1800L, 1800L);
    }

    @Test
    void givenDefaults_thenATaskSurvivesAnOutageOf65Minutes() {
      assertThat(defaults.survivableOutage())
          .as("README, Delivery guarantees")
          .isEqualTo(Duration.ofMinutes(65))
          .isGreaterThan(Duration.ofHours(1));
    }

    @Test
    void givenMoreReceivesAndLongerHolds_thenTheOutageSurvivedGrowsButNoHoldPassesTwelveHours() {
      WorkerSettings patient =
          defaults.withMaxReceiveCount(10).withCircuit(3, Duration.ofHours(24));

      assertThat(patient.hold(9)).isEqualTo(Duration.ofHours(12).minusMinutes(1));
      assertThat(patient.survivableOutage()).isGreaterThan(Duration.ofHours(24));
    }

    @Test
    void givenOneReceive_thenNoOutageIsSurvived() {
      assertThat(defaults.withMaxReceiveCount(1).survivableOutage()).isZero();
    }
  }
}
