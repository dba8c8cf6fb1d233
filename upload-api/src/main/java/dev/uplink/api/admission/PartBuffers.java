package dev.uplink.api.admission;

/**
 * The memory the object store holds for one streamed upload, as a function of how many bytes of the
 * body it has been given. {@link dev.uplink.core.domain.ObjectStore}'s contract: a small body about
 * its own size (a buffer that starts at {@link #SMALLEST} and doubles while the body goes on), at
 * most one part while the body fits in one, and two parts (one being read while the other is sent)
 * once it is longer.
 *
 * @param partSize the store's part size
 */
public record PartBuffers(long partSize) {

  /** The store's first buffer: even a one-byte upload is charged this much. */
  public static final long SMALLEST = 256 * 1024;

  public PartBuffers {
    if (partSize < SMALLEST) {
      throw new IllegalArgumentException("partSize must be at least " + SMALLEST);
    }
  }

  /**
   * What the store may hold once it has been given {@code bytes} bytes: twice that (a doubled
   * buffer), at least {@link #SMALLEST}, at most one part while the body fits in one, and two parts
   * past that.
   */
  public long heldAfter(long bytes) {
    if (bytes > partSize) {
      return 2 * partSize;
    }
    return Math.min(partSize, Math.max(SMALLEST, 2 * bytes));
  }

  /** The most one upload ever holds: two parts. */
  public long most() {
    return 2 * partSize;
  }
}
