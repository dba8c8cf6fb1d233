package dev.uplink.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.domain.Destination;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The one check before a pushed file becomes visible, and whose fault a failure was. */
class PushRequestTest {

  private static final Destination DESTINATION = Destination.of("web", "/srv/a.bin");

  @Test
  void givenTheWholeSourceRead_whenVerified_thenTheCallersCheckRunsAndPasses() throws Exception {
    var checked = new AtomicBoolean();
    var request =
        new PushRequest(DESTINATION, bytes(4), 4, StagingName.random(), () -> checked.set(true));

    request.content().readNBytes(4);

    assertThatCode(request::verifyBeforeRename).doesNotThrowAnyException();
    assertThat(checked).isTrue();
  }

  @Test
  void givenASourceLongerThanItsSize_whenVerified_thenTheSourceIsBlamed() throws Exception {
    var request = PushRequest.of(DESTINATION, bytes(5), 4);

    request.content().readNBytes(4);

    assertThatThrownBy(request::verifyBeforeRename)
        .isInstanceOf(SourceReadException.class)
        .hasMessageContaining("more than its size");
  }

  @Test
  void givenASourceShorterThanItsSize_whenVerified_thenTheSourceIsBlamed() throws Exception {
    var request = PushRequest.of(DESTINATION, bytes(3), 4);

    request.content().readAllBytes();

    assertThatThrownBy(request::verifyBeforeRename)
        .isInstanceOf(SourceReadException.class)
        .hasMessageContaining("yielded 3 bytes, but its size is 4");
    assertThat(request.sourceProblem()).isPresent();
  }

  @Test
  void givenATargetThatStoppedReadingEarly_whenVerified_thenAnIntegrityMismatch() throws Exception {
    var checked = new AtomicBoolean();
    var request =
        new PushRequest(DESTINATION, bytes(4), 4, StagingName.random(), () -> checked.set(true));

    request.content().readNBytes(2);

    assertThatThrownBy(request::verifyBeforeRename)
        .isInstanceOf(IntegrityMismatchException.class)
        .hasMessageContaining("took 2 of the 4 bytes");
    assertThat(request.sourceProblem()).as("not the source's fault").isEmpty();
    assertThat(checked).as("the caller's check is not reached").isFalse();
  }

  @Test
  void givenASourceThatBreaks_whenReading_thenTheSourceIsBlamedWithItsCause() {
    var broken = new IOException("connection reset by S3");
    InputStream failing =
        new InputStream() {
          @Override
          public int read() throws IOException {
            throw broken;
          }
        };
    var request = PushRequest.of(DESTINATION, failing, 4);

    assertThatThrownBy(() -> request.content().read()).isSameAs(broken);
    assertThat(request.sourceProblem())
        .hasValueSatisfying(p -> assertThat(p).hasCause(broken).hasMessageContaining("0 of 4"));
  }

  @Test
  void givenAnAlreadyTrackedStream_whenRequested_thenItIsNotWrappedTwice() {
    var tracked = new TrackedInputStream(bytes(1));

    assertThat(PushRequest.of(DESTINATION, tracked, 1).content()).isSameAs(tracked);
  }

  private static InputStream bytes(int n) {
    return new ByteArrayInputStream(new byte[n]);
  }
}
