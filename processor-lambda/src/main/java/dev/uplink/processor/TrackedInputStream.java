package dev.uplink.processor;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * Counts the bytes read from a source and remembers whether the source itself failed, so a target
 * can tell "the object store broke" from "the target broke" after a failed push.
 */
public final class TrackedInputStream extends FilterInputStream {

  private volatile long count;
  private volatile boolean ended;
  private volatile IOException failure;

  public TrackedInputStream(InputStream in) {
    super(in);
  }

  @Override
  public int read() throws IOException {
    try {
      int b = super.read();
      if (b >= 0) {
        count++;
      } else {
        ended = true;
      }
      return b;
    } catch (IOException e) {
      failure = e;
      throw e;
    }
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    try {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      } else if (n < 0) {
        ended = true;
      }
      return n;
    } catch (IOException e) {
      failure = e;
      throw e;
    }
  }

  @Override
  public long skip(long n) {
    throw new UnsupportedOperationException("a pushed stream is never skipped");
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  /** Bytes read so far. */
  public long count() {
    return count;
  }

  /** Whether the source said it has no more bytes. */
  public boolean ended() {
    return ended;
  }

  /** The exception the source threw, if it did. */
  public Optional<IOException> failure() {
    return Optional.ofNullable(failure);
  }

  /**
   * The source-side explanation of a failed push of {@code size} bytes, if the source is to blame:
   * it threw, ended before {@code size} bytes, or yielded more. (A target that stopped reading
   * early is not the source's fault.)
   */
  public Optional<SourceReadException> sourceProblem(long size) {
    if (failure != null) {
      return Optional.of(
          new SourceReadException(
              "Reading the file to push failed after %d of %d bytes: %s"
                  .formatted(count, size, failure),
              failure));
    }
    if ((ended && count < size) || count > size) {
      return Optional.of(
          new SourceReadException(
              "The file to push yielded %d bytes, but its size is %d".formatted(count, size),
              null));
    }
    return Optional.empty();
  }
}
