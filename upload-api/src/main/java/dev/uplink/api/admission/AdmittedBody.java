package dev.uplink.api.admission;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * An upload's body as admitted: before the store is given bytes, the upload's buffer reservation is
 * made to cover what the store will then hold; every read is reported to the upload's {@link
 * RateFloor.Watch}; and once the upload is stalled every read fails. Closing it does not close the
 * source (the server owns the request stream).
 */
public final class AdmittedBody extends InputStream {

  private final InputStream source;
  private final UploadBuffers.Reservation buffers;
  private final RateFloor.Watch watch;
  private final long declaredLength;
  private long delivered;
  private volatile boolean refusedBuffers;

  /**
   * @param declaredLength the body's length when the request declares it, else -1: the reservation
   *     never needs to cover more
   */
  public AdmittedBody(
      InputStream source,
      UploadBuffers.Reservation buffers,
      RateFloor.Watch watch,
      long declaredLength) {
    this.source = Objects.requireNonNull(source, "source");
    this.buffers = Objects.requireNonNull(buffers, "buffers");
    this.watch = Objects.requireNonNull(watch, "watch");
    this.declaredLength = declaredLength;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, buffer.length);
    if (length == 0) {
      return 0;
    }
    requireNotStalled(null);
    reserveFor(length);
    int n;
    watch.readStarted();
    try {
      n = source.read(buffer, offset, length);
    } catch (IOException e) {
      watch.readEnded(0);
      requireNotStalled(e);
      throw e;
    }
    watch.readEnded(Math.max(n, 0));
    if (n > 0) {
      delivered += n;
    }
    requireNotStalled(null);
    return n;
  }

  @Override
  public int available() throws IOException {
    return source.available();
  }

  /** Leaves the source open: the server owns it. */
  @Override
  public void close() {}

  /** Whether a read failed because no buffer memory was free in time. */
  public boolean refusedBuffers() {
    return refusedBuffers;
  }

  /** Whether the upload was ended for sending too slowly. */
  public boolean stalled() {
    return watch.stalled();
  }

  /** Bytes read from the source so far. */
  public long delivered() {
    return delivered;
  }

  private void reserveFor(int length) throws IOException {
    long upTo = delivered + length;
    if (declaredLength >= 0) {
      upTo = Math.min(upTo, declaredLength);
    }
    boolean covered;
    try {
      covered = buffers.cover(upTo);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while waiting for buffer memory");
    }
    if (!covered) {
      refusedBuffers = true;
      throw new BuffersUnavailable();
    }
  }

  private void requireNotStalled(IOException cause) throws TooSlow {
    if (watch.stalled()) {
      throw new TooSlow(cause);
    }
  }

  /** No buffer memory was free in time. */
  public static final class BuffersUnavailable extends IOException {
    BuffersUnavailable() {
      super("No upload buffer memory was free in time");
    }
  }

  /** The upload stayed under the minimum rate for a whole window. */
  public static final class TooSlow extends IOException {
    TooSlow(IOException cause) {
      super("The upload sent too slowly and was ended", cause);
    }
  }
}
