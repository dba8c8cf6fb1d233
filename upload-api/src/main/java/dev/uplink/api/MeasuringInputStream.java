package dev.uplink.api;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Counts and hashes (SHA-256) every byte read from the source, and remembers the first read
 * failure, so the caller can tell a broken body from a failing store whatever the store's exception
 * says. Closing it does not close the source: the caller owns the body (closing a multipart part
 * stream, for one, would drain the rest of the part).
 */
final class MeasuringInputStream extends InputStream {

  private final InputStream source;
  private final MessageDigest sha256;
  private long count;
  private volatile IOException failure;
  private boolean closed;
  private final long limit;

  MeasuringInputStream(InputStream source) {
    this(source, Long.MAX_VALUE);
  }

  /** Fails the read that would take the count past {@code limit} with {@link TooLarge}. */
  MeasuringInputStream(InputStream source, long limit) {
    this.source = source;
    this.limit = limit;
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides SHA-256", e);
    }
  }

  @Override
  public int read() throws IOException {
    ensureOpen();
    int b;
    try {
      b = source.read();
    } catch (IOException e) {
      throw remember(e);
    }
    if (b >= 0) {
      sha256.update((byte) b);
      count++;
      enforceLimit();
    }
    return b;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    ensureOpen();
    int n;
    try {
      n = source.read(buffer, offset, length);
    } catch (IOException e) {
      throw remember(e);
    }
    if (n > 0) {
      sha256.update(buffer, offset, n);
      count += n;
      enforceLimit();
    }
    return n;
  }

  @Override
  public int available() throws IOException {
    ensureOpen();
    try {
      return source.available();
    } catch (IOException e) {
      throw remember(e);
    }
  }

  /** Marks this view closed; the source stays open (see the class comment). */
  @Override
  public void close() {
    closed = true;
  }

  /** Bytes read so far. */
  long count() {
    return count;
  }

  /** Lowercase hex SHA-256 of the bytes read; call once, after the last read. */
  String sha256Hex() {
    return HexFormat.of().formatHex(sha256.digest());
  }

  /** The first exception the source threw, or null. */
  IOException failure() {
    return failure;
  }

  private void enforceLimit() throws IOException {
    if (count > limit) {
      throw remember(new TooLarge(limit));
    }
  }

  /** The source held more than the limit. */
  static final class TooLarge extends IOException {
    TooLarge(long limit) {
      super("The body is larger than the limit of " + limit + " bytes");
    }
  }

  private IOException remember(IOException e) {
    if (failure == null) {
      failure = e;
    }
    return e;
  }

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException("stream closed");
    }
  }
}
