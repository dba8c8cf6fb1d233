package dev.uplink.processor;

import static dev.uplink.processor.PushWorkerBuilder.productionRetryPolicy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.config.ConfigException;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

  /** The documented defaults: 5 receives, 300 s backoff, 30 min hold. */
  private final RetryPolicy production = productionRetryPolicy();

  @Test
  void productionAllowsFiveReceivesCapsTheBackoffAtFiveMinutesAndHoldsUpToHalfAnHour() {
    assertThat(production)
        .isEqualTo(new RetryPolicy(5, Duration.ofMinutes(5), Duration.ofMinutes(30)));
  }

  @Nested
  class HoldsWhileAHostIsUnreachable {

    @Test
    void givenDefaults_thenHoldsStartAtTheMaxBackoffAndDoubleUpToHalfAnHour() {
      assertThat(
              IntStream.rangeClosed(1, 6)
                  .mapToObj(production::hold)
                  .map(Duration::toSeconds)
                  .toList())
          .containsExactly(300L, 600L, 1200L, 1800L, 1800L, 1800L);
    }

    @Test
    void givenDefaults_thenATaskSurvivesAnOutageOf65Minutes() {
      assertThat(production.survivableOutage())
          .as("README, Delivery guarantees")
          .isEqualTo(Duration.ofMinutes(65))
          .isGreaterThan(Duration.ofHours(1));
    }

    @Test
    void givenMoreReceivesAndLongerHolds_thenTheOutageSurvivedGrowsButNoHoldPassesTwelveHours() {
      RetryPolicy patient =
          production.withMaxReceiveCount(10).withCircuitMaxHold(Duration.ofHours(24));

      assertThat(patient.hold(9)).isEqualTo(Duration.ofHours(12).minusMinutes(1));
      assertThat(patient.survivableOutage()).isGreaterThan(Duration.ofHours(24));
    }

    @Test
    void givenOneReceive_thenNoOutageIsSurvived() {
      assertThat(production.withMaxReceiveCount(1).survivableOutage()).isZero();
    }
  }

  @Nested
  class TheQueuesReceiveLimit {

    @Test
    void givenTheQueueDeadLettersAfterAsManyReceives_whenChecked_thenAccepted() {
      assertThatCode(() -> production.requireSameReceiveLimit(OptionalInt.of(5), "q"))
          .doesNotThrowAnyException();
    }

    @Test
    void givenTheQueueHasNoRedrivePolicy_whenChecked_thenAccepted() {
      assertThatCode(() -> production.requireSameReceiveLimit(OptionalInt.empty(), "q"))
          .doesNotThrowAnyException();
    }

    @Test
    void givenTheQueueDeadLettersAfterAnotherCount_whenChecked_thenRefusedNamingBoth() {
      assertThatThrownBy(() -> production.requireSameReceiveLimit(OptionalInt.of(3), "uplink"))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("UPLINK_MAX_RECEIVE_COUNT is 5")
          .hasMessageContaining("uplink dead-letters after 3");
    }
  }

  @Test
  void givenReceivesFailingInARow_whenPausing_thenTwoHundredMillisDoublingUpToTwentySeconds() {
    assertThat(
            IntStream.rangeClosed(1, 10)
                .mapToObj(production::receivePause)
                .map(Duration::toMillis)
                .toList())
        .containsExactly(200L, 400L, 800L, 1600L, 3200L, 6400L, 12800L, 20000L, 20000L, 20000L);
  }

  @Test
  void givenTheStoreFailingToRecordAnAttemptsEnd_thenThreeWritesWithPausesOf200And400And800Ms() {
    assertThat(RetryPolicy.RECORD_TRIES).isEqualTo(3);
    assertThat(
            IntStream.rangeClosed(1, RetryPolicy.RECORD_TRIES)
                .mapToObj(production::recordPause)
                .map(Duration::toMillis)
                .toList())
        .containsExactly(200L, 400L, 800L);
  }

  @Nested
  class Backoff {

    @Test
    void givenReceiveCounts_whenBackingOff_thenFullJitterUpToTwoToTheReceiveCountSeconds() {
      for (int receive = 1; receive <= 8; receive++) {
        for (int i = 0; i < 200; i++) {
          assertThat(production.backoff(receive, RandomGenerator.getDefault()))
              .isBetween(Duration.ofSeconds(1), Duration.ofSeconds(1L << receive));
        }
      }
    }

    @Test
    void givenHugeReceiveCount_whenBackingOff_thenCappedAtMaxBackoff() {
      var capped = production.withMaxBackoff(Duration.ofSeconds(30));
      RandomGenerator highest =
          new RandomGenerator() {
            @Override
            public long nextLong() {
              return Long.MAX_VALUE;
            }

            @Override
            public long nextLong(long origin, long bound) {
              return bound - 1;
            }
          };

      assertThat(capped.backoff(40, highest)).isEqualTo(Duration.ofSeconds(30));
      assertThat(capped.backoff(3, highest)).isEqualTo(Duration.ofSeconds(8));
    }

    @Test
    void givenLowestDraw_whenBackingOff_thenAtLeastOneSecond() {
      RandomGenerator lowest =
          new RandomGenerator() {
            @Override
            public long nextLong() {
              return 0;
            }

            @Override
            public long nextLong(long origin, long bound) {
              return origin;
            }
          };

      assertThat(production.backoff(1, lowest)).isEqualTo(Duration.ofSeconds(1));
    }
  }
}
