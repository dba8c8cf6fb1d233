package dev.uplink.processor.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.processor.FakeSqsClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DeleteBatcherTest {

  private final FakeSqsClient sqs = new FakeSqsClient();

  @Test
  void givenTwentyFiveDeletesAtOnce_whenSent_thenTheyGoInBatchesOfAtMostTen() {
    try (var deletes = new DeleteBatcher(sqs, "queue")) {
      for (int i = 0; i < 25; i++) {
        deletes.delete("m" + i, "rh-" + i);
      }
    }

    assertThat(sqs.deletedReceiptHandles()).hasSize(25).doesNotHaveDuplicates();
    assertThat(sqs.deleteBatchSizes()).allMatch(n -> n <= 10).hasSizeLessThan(25);
  }

  @Test
  void givenOneDelete_whenNothingElseComes_thenItIsSentWithoutWaitingForTheClose()
      throws InterruptedException {
    try (var deletes = new DeleteBatcher(sqs, "queue")) {
      deletes.delete("m1", "rh-1");
      long end = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      while (sqs.deletedReceiptHandles().isEmpty() && System.nanoTime() < end) {
        Thread.sleep(1);
      }

      assertThat(sqs.deletedReceiptHandles()).containsExactly("rh-1");
    }
  }

  @Test
  void givenAClosedBatcher_whenDeleting_thenTheDeleteIsSentAtOnce() {
    var deletes = new DeleteBatcher(sqs, "queue");
    deletes.close();

    deletes.delete("late", "rh-late");

    assertThat(sqs.deletedReceiptHandles()).containsExactly("rh-late");
  }
}
