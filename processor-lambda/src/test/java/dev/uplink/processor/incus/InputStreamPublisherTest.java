package dev.uplink.processor.incus;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.Test;

/** The push body's publisher, driven as the HttpClient drives it: demand, chunks, end or error. */
class InputStreamPublisherTest {

  @Test
  void givenStreamOfTwoAndAHalfChunks_whenRequestedOneByOne_thenFullChunksThenRestThenComplete() {
    byte[] content = new byte[2 * 1000 + 500];
    new Random(1).nextBytes(content);
    var subscriber = new Recorder(1);

    new InputStreamPublisher(new ByteArrayInputStream(content), 1000).subscribe(subscriber);

    assertThat(subscriber.sizes).as("chunk sizes").containsExactly(1000, 1000, 500);
    assertThat(subscriber.bytes.toByteArray()).isEqualTo(content);
    assertThat(subscriber.completed).isTrue();
    assertThat(subscriber.error).isNull();
  }

  @Test
  void givenUnboundedDemand_whenSubscribed_thenAllChunksWithoutRecursion() {
    byte[] content = new byte[100_000];
    var subscriber = new Recorder(Long.MAX_VALUE);

    new InputStreamPublisher(new ByteArrayInputStream(content), 10).subscribe(subscriber);

    assertThat(subscriber.sizes).hasSize(10_000);
    assertThat(subscriber.completed).isTrue();
  }

  @Test
  void givenFailingStream_whenRead_thenSubscriberGetsTheIoException() {
    InputStream failing =
        new InputStream() {
          @Override
          public int read() throws IOException {
            throw new IOException("source broke");
          }
        };
    var subscriber = new Recorder(1);

    new InputStreamPublisher(failing, 1000).subscribe(subscriber);

    assertThat(subscriber.error).isInstanceOf(IOException.class).hasMessage("source broke");
    assertThat(subscriber.completed).isFalse();
  }

  @Test
  void givenConsumedPublisher_whenSubscribedAgain_thenRefusedAsNotReplayable() {
    var publisher = new InputStreamPublisher(new ByteArrayInputStream(new byte[10]), 1000);
    publisher.subscribe(new Recorder(1));
    var second = new Recorder(1);

    publisher.subscribe(second);

    assertThat(second.error).isInstanceOf(IOException.class).hasMessageContaining("replayed");
    assertThat(second.sizes).isEmpty();
  }

  @Test
  void givenCancelledSubscription_whenMoreRequested_thenNothingMoreRead() {
    var subscriber = new Recorder(0);
    new InputStreamPublisher(new ByteArrayInputStream(new byte[5000]), 1000).subscribe(subscriber);

    subscriber.subscription.request(1);
    subscriber.subscription.cancel();
    subscriber.subscription.request(1);

    assertThat(subscriber.sizes).containsExactly(1000);
    assertThat(subscriber.completed).isFalse();
  }

  /** Requests {@code batch} at subscription and again after each batch is received. */
  private static final class Recorder implements Flow.Subscriber<ByteBuffer> {
    private final long batch;
    private long left;
    Flow.Subscription subscription;
    final List<Integer> sizes = new ArrayList<>();
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    boolean completed;
    Throwable error;

    Recorder(long batch) {
      this.batch = batch;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      if (batch > 0) {
        left = batch;
        subscription.request(batch);
      }
    }

    @Override
    public void onNext(ByteBuffer item) {
      sizes.add(item.remaining());
      byte[] chunk = new byte[item.remaining()];
      item.get(chunk);
      bytes.writeBytes(chunk);
      if (batch > 0 && batch < Long.MAX_VALUE && --left == 0) {
        left = batch;
        subscription.request(batch); // re-entrant, as the HttpClient may do
      }
    }

    @Override
    public void onError(Throwable throwable) {
      error = throwable;
    }

    @Override
    public void onComplete() {
      completed = true;
    }
  }
}
