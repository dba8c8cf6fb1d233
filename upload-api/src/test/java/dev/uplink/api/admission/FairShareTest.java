package dev.uplink.api.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FairShareTest {

  private final FairShare slots = new FairShare(4, 2);

  @Test
  void anOwnerGetsUpToItsShareAndThenIsToldSoWhileOthersStillGetTheirs() {
    assertThat(slots.tryAcquire("alice", 1)).isEqualTo(FairShare.Outcome.GRANTED);
    assertThat(slots.tryAcquire("alice", 1)).isEqualTo(FairShare.Outcome.GRANTED);

    assertThat(slots.tryAcquire("alice", 1)).isEqualTo(FairShare.Outcome.OWNER_SHARE_TAKEN);
    assertThat(slots.tryAcquire("bob", 2)).isEqualTo(FairShare.Outcome.GRANTED);
    assertThat(slots.tryAcquire("carol", 1)).isEqualTo(FairShare.Outcome.EXHAUSTED);
    assertThat(slots.inUse()).isEqualTo(4);
    assertThat(slots.heldBy("alice")).isEqualTo(2);
  }

  @Test
  void releasedUnitsCanBeTakenAgain() {
    slots.tryAcquire("alice", 2);
    slots.release("alice", 1);

    assertThat(slots.tryAcquire("alice", 1)).isEqualTo(FairShare.Outcome.GRANTED);
    assertThat(slots.heldBy("alice")).isEqualTo(2);
  }

  @Test
  void aWaiterGetsWhatAnotherReleasesWithinItsPatience() throws Exception {
    slots.tryAcquire("alice", 2);
    slots.tryAcquire("bob", 2);
    try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
      CompletableFuture<FairShare.Outcome> waiting =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return slots.acquire("carol", 1, Duration.ofSeconds(10));
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
              },
              threads);
      Thread.sleep(100);
      assertThat(waiting).isNotDone();

      slots.release("bob", 1);

      assertThat(waiting.get(5, TimeUnit.SECONDS)).isEqualTo(FairShare.Outcome.GRANTED);
    }
  }

  @Test
  void aWaiterIsRefusedWhenItsPatienceRunsOut() throws Exception {
    slots.tryAcquire("alice", 2);
    slots.tryAcquire("bob", 2);
    long started = System.nanoTime();

    assertThat(slots.acquire("carol", 1, Duration.ofMillis(200)))
        .isEqualTo(FairShare.Outcome.EXHAUSTED);
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(Duration.ofMillis(200));
    assertThat(slots.heldBy("carol")).isZero();
  }

  @Test
  void moreThanAShareIsRefusedAtOnceWithoutWaiting() throws Exception {
    long started = System.nanoTime();

    assertThat(slots.acquire("alice", 3, Duration.ofSeconds(10)))
        .isEqualTo(FairShare.Outcome.OWNER_SHARE_TAKEN);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void releasingWhatWasNotTakenIsABug() {
    slots.tryAcquire("alice", 1);

    assertThatThrownBy(() -> slots.release("alice", 2)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> slots.release("bob", 1)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aShareLargerThanTheCapacityIsTheCapacity() {
    assertThat(new FairShare(4, 10).perOwner()).isEqualTo(4);
  }
}
