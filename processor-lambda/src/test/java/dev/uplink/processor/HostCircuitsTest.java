package dev.uplink.processor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.testing.SettableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("HostCircuits")
class HostCircuitsTest {

  private static final String HOST = "incus.test:8443";
  private final SettableClock clock = new SettableClock(Instant.parse("2026-12-07T10:00:00Z"));
  private final HostCircuits circuits = new HostCircuits(3, Duration.ofMinutes(30), clock);

  @Test
  void givenNoFailure_thenTasksPass() {
    assertThat(circuits.admit(HOST)).isEqualTo(HostCircuits.Admission.PASS);
    assertThat(circuits.anyOpen()).isFalse();
  }

  @Test
  void givenFailuresBelowTheThreshold_thenStillClosed_andAnAnswerResetsTheCount() {
    circuits.failed(HOST, "refused");
    circuits.failed(HOST, "refused");
    circuits.succeeded(HOST);
    circuits.failed(HOST, "refused");
    circuits.failed(HOST, "refused");

    assertThat(circuits.admit(HOST)).isEqualTo(HostCircuits.Admission.PASS);
  }

  @Test
  void givenThreeFailuresInARow_thenOpen_andTasksAreHeldUntilTheFirstProbeIsDue() {
    open();

    assertThat(circuits.isOpen(HOST)).isTrue();
    assertThat(circuits.openSince(HOST)).contains(clock.instant());
    assertThat(circuits.admit(HOST)).isEqualTo(HostCircuits.Admission.HOLD);
    assertThat(circuits.admit("other-host:8443"))
        .as("another host's circuit")
        .isEqualTo(HostCircuits.Admission.PASS);
  }

  @Test
  void givenProbeDue_thenExactlyOneCallerProbesWhileTheOthersHold() {
    open();
    clock.advance(HostCircuits.FIRST_PROBE);

    assertThat(circuits.admit(HOST)).isEqualTo(HostCircuits.Admission.PROBE);
    assertThat(circuits.admit(HOST)).isEqualTo(HostCircuits.Admission.HOLD);
    assertThat(circuits.dueProbes()).isEmpty();
  }

  @Test
  void givenProbesFailing_thenTheIntervalDoublesUpToTenSeconds() {
    open();
    var intervals = new java.util.ArrayList<Duration>();
    Instant last = clock.instant();
    for (int probe = 0; probe < 8; probe++) {
      while (circuits.admit(HOST) != HostCircuits.Admission.PROBE) {
        clock.advance(Duration.ofMillis(500));
      }
      intervals.add(Duration.between(last, clock.instant()));
      last = clock.instant();
      circuits.failed(HOST, "still refused");
    }

    assertThat(intervals.stream().map(Duration::toSeconds).toList())
        .containsExactly(1L, 2L, 4L, 8L, 10L, 10L, 10L, 10L);
  }

  @Test
  void givenPushesFailingWhileOpen_thenTheProbeScheduleStands() {
    open();
    circuits.failed(HOST, "a push under way when it opened");
    circuits.failed(HOST, "another");

    clock.advance(HostCircuits.FIRST_PROBE);

    assertThat(circuits.admit(HOST)).isEqualTo(HostCircuits.Admission.PROBE);
  }

  @Test
  void givenAProbeAnswered_thenClosed_andListenersHearOfIt() {
    List<String> closed = new CopyOnWriteArrayList<>();
    circuits.onClose(closed::add);
    open();
    clock.advance(Duration.ofSeconds(1));
    assertThat(circuits.dueProbes()).containsExactly(HOST);

    circuits.succeeded(HOST);

    assertThat(circuits.isOpen(HOST)).isFalse();
    assertThat(circuits.admit(HOST)).isEqualTo(HostCircuits.Admission.PASS);
    assertThat(closed).containsExactly(HOST);
  }

  @Test
  void givenAProbeWhoseCallerNeverReported_thenAnotherMayProbeAfterTwoMinutes() {
    open();
    clock.advance(Duration.ofSeconds(1));
    assertThat(circuits.admit(HOST)).isEqualTo(HostCircuits.Admission.PROBE);

    clock.advance(Duration.ofMinutes(2));

    assertThat(circuits.admit(HOST)).isEqualTo(HostCircuits.Admission.PROBE);
  }

  private void open() {
    for (int i = 0; i < 3; i++) {
      circuits.failed(HOST, "Connection refused");
    }
  }
}
