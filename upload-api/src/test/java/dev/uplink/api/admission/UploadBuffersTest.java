package dev.uplink.api.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class UploadBuffersTest {

  private static final long MIB = 1024 * 1024;
  private static final PartBuffers PARTS = new PartBuffers(8 * MIB);

  @Nested
  class WhatOneUploadHolds {

    @Test
    void aSmallBodyIsChargedTheStoresFirstBufferOrTwiceItsSize() {
      assertThat(PARTS.heldAfter(0)).isEqualTo(PartBuffers.SMALLEST);
      assertThat(PARTS.heldAfter(64 * 1024)).isEqualTo(PartBuffers.SMALLEST);
      assertThat(PARTS.heldAfter(3 * MIB)).isEqualTo(6 * MIB);
    }

    @Test
    void aBodyOfOnePartIsChargedOnePartAndOneByteMoreTwo() {
      assertThat(PARTS.heldAfter(5 * MIB)).isEqualTo(8 * MIB);
      assertThat(PARTS.heldAfter(8 * MIB)).isEqualTo(8 * MIB);
      assertThat(PARTS.heldAfter(8 * MIB + 1)).isEqualTo(16 * MIB);
      assertThat(PARTS.heldAfter(10L << 30)).as("whatever the size").isEqualTo(16 * MIB);
    }
  }

  @Test
  void uploadsReserveAsTheyGrowAndReleaseEverythingWhenTheyEnd() throws Exception {
    var buffers = new UploadBuffers(64 * MIB, PARTS, Duration.ZERO);
    var upload = buffers.reserve("alice");

    assertThat(upload.cover(100)).isTrue();
    assertThat(upload.held()).isEqualTo(PartBuffers.SMALLEST);
    assertThat(upload.cover(9 * MIB)).isTrue();
    assertThat(buffers.reserved()).isEqualTo(16 * MIB);

    upload.close();

    assertThat(buffers.reserved()).isZero();
  }

  @Test
  void givenTwoChunkedUploadsOfOneOwnerAtItsShare_thenTheSecondWaitsForTheFirstHoldingNothing()
      throws Exception {
    // The owner's share is one upload's most (two parts): had each reserved as it grew, both
    // would hold one part and wait for a second the other holds, until both were refused.
    var buffers = new UploadBuffers(32 * MIB, PARTS, Duration.ofSeconds(10));
    var first = buffers.reserve("alice");
    var second = buffers.reserve("alice");

    assertThat(first.coverWhole(-1)).isTrue();
    assertThat(first.held()).isEqualTo(PARTS.most());
    var waiting = java.util.concurrent.CompletableFuture.supplyAsync(() -> cover(second));
    Thread.sleep(100);
    assertThat(waiting).as("waits, holding nothing").isNotDone();
    assertThat(second.held()).isZero();

    first.close();

    assertThat(waiting.get()).isTrue();
    assertThat(second.held()).isEqualTo(PARTS.most());
  }

  @Test
  void aDeclaredLengthReservesWhatThatBodyNeedsAtOnce() throws Exception {
    var buffers = new UploadBuffers(64 * MIB, PARTS, Duration.ZERO);
    var upload = buffers.reserve("alice");

    assertThat(upload.coverWhole(3 * MIB)).isTrue();

    assertThat(upload.held()).isEqualTo(6 * MIB);
  }

  private static boolean cover(UploadBuffers.Reservation reservation) {
    try {
      return reservation.coverWhole(-1);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void oneOwnerHoldsAtMostHalfTheBudgetSoAnotherStillFindsRoom() throws Exception {
    var buffers = new UploadBuffers(64 * MIB, PARTS, Duration.ofMillis(50));
    var first = buffers.reserve("hog");
    var second = buffers.reserve("hog");
    var third = buffers.reserve("hog");
    assertThat(first.cover(9 * MIB)).isTrue();
    assertThat(second.cover(9 * MIB)).isTrue();

    assertThat(third.cover(9 * MIB)).as("past the hog's half").isFalse();
    assertThat(buffers.reserve("calm").cover(9 * MIB)).isTrue();
  }

  @Test
  void aBudgetSmallerThanOneUploadStillLetsOneThrough() throws Exception {
    var buffers = new UploadBuffers(MIB, PARTS, Duration.ZERO);

    assertThat(buffers.budget()).isEqualTo(16 * MIB);
    assertThat(buffers.reserve("alice").cover(100 * MIB)).isTrue();
  }

  @Test
  void theDefaultBudgetIsAQuarterOfTheHeap() {
    assertThat(UploadBuffers.defaultBudget(PARTS))
        .isEqualTo(Math.max(Runtime.getRuntime().maxMemory() / 4, 16 * MIB));
  }
}
