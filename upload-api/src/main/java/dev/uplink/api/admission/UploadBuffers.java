package dev.uplink.api.admission;

import java.time.Duration;
import java.util.Objects;

/**
 * The memory budget of streamed uploads: every upload reserves what its part buffers may hold
 * ({@link PartBuffers#heldAfter}) before the store is given the bytes that make it allocate them,
 * so all uploads together never hold more than the budget, and one owner never more than half of
 * it. An upload that finds no room waits up to {@link #patience()} and is refused after that.
 */
public final class UploadBuffers {

  /** The share of the heap streamed uploads get when no budget is configured. */
  public static final int HEAP_DIVISOR = 4;

  private final FairShare bytes;
  private final PartBuffers parts;
  private final Duration patience;

  /**
   * @param budget bytes all uploads' buffers may hold together; raised to two parts if smaller, so
   *     that one upload always fits
   * @param parts how much one upload holds for the bytes it has read
   * @param patience how long an upload waits for room before it is refused
   */
  public UploadBuffers(long budget, PartBuffers parts, Duration patience) {
    this.parts = Objects.requireNonNull(parts, "parts");
    this.patience = Objects.requireNonNull(patience, "patience");
    long total = Math.max(budget, parts.most());
    this.bytes = new FairShare(total, Math.max(total / 2, parts.most()));
  }

  /** A quarter of the heap this JVM may grow to, and at least two parts. */
  public static long defaultBudget(PartBuffers parts) {
    return Math.max(Runtime.getRuntime().maxMemory() / HEAP_DIVISOR, parts.most());
  }

  public long budget() {
    return bytes.capacity();
  }

  public long perOwner() {
    return bytes.perOwner();
  }

  public Duration patience() {
    return patience;
  }

  /** Bytes reserved by all uploads now. */
  public long reserved() {
    return bytes.inUse();
  }

  /** An empty reservation for one upload of {@code owner}; close it when the upload ends. */
  public Reservation reserve(String owner) {
    return new Reservation(Objects.requireNonNull(owner, "owner"));
  }

  /** The buffer memory of one upload: grows with the body, released at once on close. */
  public final class Reservation implements AutoCloseable {

    private final String owner;
    private long held;
    private boolean closed;

    private Reservation(String owner) {
      this.owner = owner;
    }

    /**
     * Makes sure the reservation covers the buffers the store holds once it has been given {@code
     * bodyBytes} bytes, waiting up to {@link #patience()} for room.
     *
     * @return false if there was no room in time (the reservation stays as it was)
     * @throws InterruptedException if the thread was interrupted while waiting
     */
    public boolean cover(long bodyBytes) throws InterruptedException {
      long needed = parts.heldAfter(bodyBytes);
      if (needed <= held) {
        return true;
      }
      if (closed) {
        throw new IllegalStateException("the reservation is closed");
      }
      if (bytes.acquire(owner, needed - held, patience) != FairShare.Outcome.GRANTED) {
        return false;
      }
      held = needed;
      return true;
    }

    /**
     * Covers, before the first byte is read, all the body will need: {@link PartBuffers#heldAfter}
     * its declared length, or the most an upload holds when no length is declared (chunked). An
     * upload that reserved a little and waited for more while holding it could wait for another
     * upload of the same owner doing the same (both past the owner's share, each holding what the
     * other needs): all at once, it waits holding nothing.
     *
     * @param declaredLength the {@code Content-Length}, or negative if none was declared
     * @return false if there was no room in time (nothing reserved)
     */
    public boolean coverWhole(long declaredLength) throws InterruptedException {
      return cover(declaredLength < 0 ? Long.MAX_VALUE : declaredLength);
    }

    /** Bytes this upload holds a reservation for. */
    public long held() {
      return held;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        bytes.release(owner, held);
        held = 0;
      }
    }
  }
}
