package dev.uplink.api.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AdmittedBodyTest {

  private static final long MIB = 1024 * 1024;
  private final RateFloor floor = new RateFloor(1024, Duration.ofMillis(300));
  private final UploadBuffers buffers =
      new UploadBuffers(32 * MIB, new PartBuffers(8 * MIB), Duration.ofMillis(50));

  @AfterEach
  void stop() {
    floor.close();
  }

  @Test
  void theReservationCoversWhatTheStoreWillHoldBeforeItIsGivenTheBytes() throws Exception {
    var reservation = buffers.reserve("alice");
    var body =
        new AdmittedBody(
            new ByteArrayInputStream(new byte[(int) (9 * MIB)]),
            reservation,
            floor.watch(() -> {}),
            -1);

    body.readNBytes(new byte[(int) (8 * MIB)], 0, (int) (8 * MIB));
    assertThat(reservation.held()).isEqualTo(8 * MIB);
    assertThat(body.read()).isZero();
    assertThat(reservation.held()).as("one byte past a part: two parts").isEqualTo(16 * MIB);
  }

  @Test
  void aDeclaredLengthCapsTheReservationWhateverTheReadsAskFor() throws Exception {
    var reservation = buffers.reserve("alice");
    var body =
        new AdmittedBody(
            new ByteArrayInputStream(new byte[1000]), reservation, floor.watch(() -> {}), 1000);

    assertThat(body.read(new byte[8 * 1024 * 1024])).isEqualTo(1000);
    assertThat(reservation.held()).isEqualTo(PartBuffers.SMALLEST);
  }

  @Test
  void noRoomInTimeFailsTheReadAndSaysWhy() throws Exception {
    var hog = buffers.reserve("alice");
    assertThat(hog.cover(9 * MIB)).isTrue();
    var body =
        new AdmittedBody(
            new ByteArrayInputStream(new byte[(int) (9 * MIB)]),
            buffers.reserve("alice"),
            floor.watch(() -> {}),
            -1);

    assertThatThrownBy(() -> body.readAllBytes())
        .isInstanceOf(AdmittedBody.BuffersUnavailable.class);
    assertThat(body.refusedBuffers()).isTrue();
  }

  @Test
  void aStalledUploadsBlockedReadFailsAsTooSlow() throws Exception {
    var reading = new CountDownLatch(1);
    var cut = new CountDownLatch(1);
    InputStream silent =
        new InputStream() {
          @Override
          public int read() {
            throw new UnsupportedOperationException();
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            reading.countDown();
            try {
              cut.await(); // what the server's shortened idle timeout does to a blocked read
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            throw new IOException("Idle timeout expired");
          }
        };
    var body = new AdmittedBody(silent, buffers.reserve("alice"), floor.watch(cut::countDown), -1);
    var failure = new AtomicReference<Throwable>();

    Thread reader =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    body.read(new byte[10]);
                  } catch (IOException e) {
                    failure.set(e);
                  }
                });
    reading.await();
    reader.join(Duration.ofSeconds(5));

    assertThat(failure.get()).isInstanceOf(AdmittedBody.TooSlow.class);
    assertThat(body.stalled()).isTrue();
  }
}
