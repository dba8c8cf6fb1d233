package dev.uplink.api.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RateFloorTest {

  /** 1 KiB/s over half a second: 512 bytes of credit. */
  private final RateFloor floor = new RateFloor(1024, Duration.ofMillis(500));

  @AfterEach
  void stop() {
    floor.close();
  }

  @Test
  void anUploadWaitingForBytesThatDoNotComeIsStalledAfterAboutAWindow() throws Exception {
    var stalled = new CountDownLatch(1);
    var watch = floor.watch(stalled::countDown);
    long started = System.nanoTime();

    watch.readStarted(); // and the bytes never come

    assertThat(stalled.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(watch.stalled()).isTrue();
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(Duration.ofMillis(400));
  }

  @Test
  void aBurstBuysNoMoreThanOneWindowOfSilence() throws Exception {
    var stalled = new CountDownLatch(1);
    var watch = floor.watch(stalled::countDown);
    watch.readStarted();
    watch.readEnded(50 * 1024 * 1024);
    Thread.sleep(300); // the burst is counted, and the credit capped

    watch.readStarted();

    assertThat(stalled.await(5, TimeUnit.SECONDS)).as("ended despite 50 MiB sent").isTrue();
  }

  @Test
  void anUploadAtTheFloorOrFasterIsNeverStalled() throws Exception {
    var watch = floor.watch(() -> {});
    for (int i = 0; i < 15; i++) {
      watch.readStarted();
      Thread.sleep(100);
      watch.readEnded(200); // 2 KiB/s
    }

    assertThat(watch.stalled()).isFalse();
  }

  @Test
  void timeSpentOutsideReadsIsNotTheClientsAndIsNotCounted() throws Exception {
    var watch = floor.watch(() -> {});
    watch.readStarted();
    watch.readEnded(100);

    Thread.sleep(1500); // the object store is slow to take a part

    assertThat(watch.stalled()).isFalse();
  }

  @Test
  void noFloorWatchesNothing() throws Exception {
    try (var off = new RateFloor(0, Duration.ofMillis(100))) {
      var watch = off.watch(() -> {});
      watch.readStarted();
      Thread.sleep(500);

      assertThat(watch.stalled()).isFalse();
    }
  }
}
