package dev.uplink.api.http;

import dev.uplink.api.admission.AdmittedBody;
import dev.uplink.api.admission.FairShare;
import dev.uplink.api.admission.PartBuffers;
import dev.uplink.api.admission.RateFloor;
import dev.uplink.api.admission.UploadBuffers;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Duration;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;

/**
 * Admits streamed uploads so that no client can starve or exhaust the API: a slot within the
 * owner's share (429 past it), buffer memory from the budget (503 after {@link
 * UploadBuffers#patience()} without room), and the rate floor (408 once an upload stays under it
 * for a window: its connection's reads are failed, the store aborts what it started and the buffers
 * are released).
 */
final class UploadAdmission implements AutoCloseable {

  /** How long an upload waits for buffer memory before it is refused with 503. */
  static final Duration BUFFER_PATIENCE = Duration.ofSeconds(10);

  /**
   * The idle timeout a stalled upload's connection gets: a read blocked on it fails at once, and
   * the 408 still has time to be written.
   */
  private static final long STALLED_IDLE_TIMEOUT_MILLIS = 100;

  private final int maxConcurrentUploads;
  private final FairShare slots;
  private final UploadBuffers buffers;
  private final RateFloor floor;

  UploadAdmission(ApiSettings settings) {
    this.maxConcurrentUploads = settings.maxConcurrentUploads();
    this.slots =
        new FairShare(settings.maxConcurrentUploads(), settings.admission().maxUploadsPerOwner());
    var parts = new PartBuffers(settings.partSizeBytes());
    this.buffers =
        new UploadBuffers(
            settings.admission().uploadBufferBytes().orElse(UploadBuffers.defaultBudget(parts)),
            parts,
            BUFFER_PATIENCE);
    this.floor =
        new RateFloor(
            settings.admission().minUploadBytesPerSecond(),
            settings.admission().minUploadRateWindow());
  }

  /** The memory budget of streamed uploads. */
  UploadBuffers buffers() {
    return buffers;
  }

  /**
   * Admits the upload {@code ctx} carries for the owner {@code shareKey} names, or throws the
   * problem to answer (nothing taken).
   */
  Admitted admit(Context ctx, String shareKey) throws IOException {
    switch (slots.tryAcquire(shareKey, 1)) {
      case OWNER_SHARE_TAKEN ->
          throw ProblemException.ownerShareTaken(slots.perOwner(), maxConcurrentUploads);
      case EXHAUSTED -> throw ProblemException.tooManyUploads(maxConcurrentUploads);
      case GRANTED -> {}
    }
    UploadBuffers.Reservation reservation = buffers.reserve(shareKey);
    try {
      long declared = ctx.req().getContentLengthLong();
      if (!reservation.coverWhole(declared)) {
        throw ProblemException.buffersBusy();
      }
      EndPoint connection = endPointOf(ctx);
      RateFloor.Watch watch =
          floor.watch(() -> connection.setIdleTimeout(STALLED_IDLE_TIMEOUT_MILLIS));
      var body = new AdmittedBody(ctx.req().getInputStream(), reservation, watch, declared);
      return new Admitted(shareKey, reservation, watch, body);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      reservation.close();
      slots.release(shareKey, 1);
      throw new java.io.InterruptedIOException("interrupted while waiting for buffer memory");
    } catch (RuntimeException | IOException e) {
      reservation.close();
      slots.release(shareKey, 1);
      throw e;
    }
  }

  /** Stops the rate floor's thread. */
  @Override
  public void close() {
    floor.close();
  }

  private static EndPoint endPointOf(Context ctx) {
    return ServletContextRequest.getServletContextRequest(ctx.req())
        .getConnectionMetaData()
        .getConnection()
        .getEndPoint();
  }

  /** One admitted upload: its body, and what it holds until {@link #close()}. */
  final class Admitted implements AutoCloseable {

    private final String shareKey;
    private final UploadBuffers.Reservation reservation;
    private final RateFloor.Watch watch;
    private final AdmittedBody body;

    private Admitted(
        String shareKey,
        UploadBuffers.Reservation reservation,
        RateFloor.Watch watch,
        AdmittedBody body) {
      this.shareKey = shareKey;
      this.reservation = reservation;
      this.watch = watch;
      this.body = body;
    }

    AdmittedBody body() {
      return body;
    }

    /**
     * What to answer for {@code failure}: 408 when the upload was ended for sending too slowly, 503
     * when it found no buffer memory in time, else {@code failure} itself.
     */
    RuntimeException explain(RuntimeException failure) {
      if (body.stalled()) {
        return ProblemException.uploadTooSlow(
            floor.minBytesPerSecond(), floor.window().toSeconds());
      }
      if (body.refusedBuffers()) {
        return ProblemException.buffersBusy();
      }
      return failure;
    }

    @Override
    public void close() {
      watch.close();
      reservation.close();
      slots.release(shareKey, 1);
    }
  }
}
