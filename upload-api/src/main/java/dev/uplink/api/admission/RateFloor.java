package dev.uplink.api.admission;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The slowest an upload may send: an upload that stays under {@code minBytesPerSecond} for {@code
 * window} is stalled, and its {@code onStall} action runs (the HTTP layer ends the request).
 *
 * <p>Only the time spent waiting for the client's bytes counts, not the time the store takes to
 * send a part: a slow object store never ends an upload as too slow. Each upload has a credit of
 * {@code minBytesPerSecond * window} bytes: every byte received adds one, every second spent
 * waiting for bytes takes {@code minBytesPerSecond}, and the credit never exceeds its start. Below
 * zero the upload is stalled. So a burst followed by silence, or a byte every 20 s, is ended one
 * window after it fell under the floor, however much it sent before; a client sending at the floor
 * or faster never is.
 *
 * <p>One platform thread checks every upload a few times a window; it starts with the first upload
 * and stops on {@link #close()}.
 */
public final class RateFloor implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RateFloor.class);

  private final long minBytesPerSecond;
  private final Duration window;
  private final long tickNanos;
  private final Set<Watch> watches = ConcurrentHashMap.newKeySet();
  private ScheduledExecutorService ticker;
  private boolean closed;

  /**
   * @param minBytesPerSecond the floor; 0 turns it off
   * @param window how long an upload may stay under it
   */
  public RateFloor(long minBytesPerSecond, Duration window) {
    if (minBytesPerSecond < 0) {
      throw new IllegalArgumentException("minBytesPerSecond must not be negative");
    }
    this.minBytesPerSecond = minBytesPerSecond;
    this.window = Objects.requireNonNull(window, "window");
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("window must be positive, got " + window);
    }
    long tenth = window.toNanos() / 10;
    this.tickNanos =
        Math.clamp(tenth, TimeUnit.MILLISECONDS.toNanos(100), TimeUnit.SECONDS.toNanos(1));
  }

  public long minBytesPerSecond() {
    return minBytesPerSecond;
  }

  public Duration window() {
    return window;
  }

  /** Starts watching one upload; {@code onStall} runs once, on the checking thread. */
  public Watch watch(Runnable onStall) {
    var watch = new Watch(Objects.requireNonNull(onStall, "onStall"));
    if (minBytesPerSecond > 0) {
      watches.add(watch);
      startTicking();
    }
    return watch;
  }

  private synchronized void startTicking() {
    if (ticker == null && !closed) {
      ticker =
          Executors.newSingleThreadScheduledExecutor(
              Thread.ofPlatform().name("uplink-rate-floor").daemon().factory());
      ticker.scheduleAtFixedRate(this::tick, tickNanos, tickNanos, TimeUnit.NANOSECONDS);
    }
  }

  private void tick() {
    long now = System.nanoTime();
    for (Watch watch : watches) {
      try {
        watch.check(now);
      } catch (RuntimeException e) {
        LOG.error("Checking an upload's rate failed", e);
      }
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (ticker != null) {
      ticker.shutdownNow();
    }
    watches.clear();
  }

  /**
   * One upload's progress: the body reports each read, the checking thread judges. Close it when
   * the upload ends.
   */
  public final class Watch implements AutoCloseable {

    private final Runnable onStall;
    private volatile long received;
    private volatile long waitedNanos;
    private volatile long readingSince;
    private volatile boolean stalled;

    // Touched by the checking thread only.
    private long credit;
    private long seenReceived;
    private long seenWaited;

    private Watch(Runnable onStall) {
      this.onStall = onStall;
      this.credit = cap();
    }

    /** A read of the client's bytes begins. */
    public void readStarted() {
      readingSince = System.nanoTime();
    }

    /** The read begun last returned {@code bytes} bytes (0 at the end, or when it failed). */
    public void readEnded(long bytes) {
      long since = readingSince;
      readingSince = 0;
      if (since != 0) {
        waitedNanos += System.nanoTime() - since;
      }
      if (bytes > 0) {
        received += bytes;
      }
    }

    /** Whether the upload stayed under the floor for a window and was ended. */
    public boolean stalled() {
      return stalled;
    }

    /** Bytes received so far. */
    public long received() {
      return received;
    }

    private void check(long now) {
      if (stalled) {
        return;
      }
      long since = readingSince;
      long waited = waitedNanos + (since == 0 ? 0 : Math.max(0, now - since));
      long receivedNow = received;
      long owed = (long) ((waited - seenWaited) / 1e9 * minBytesPerSecond);
      credit = Math.min(cap(), credit + (receivedNow - seenReceived) - owed);
      seenReceived = receivedNow;
      seenWaited = waited;
      if (credit < 0) {
        stalled = true;
        watches.remove(this);
        onStall.run();
      }
    }

    private long cap() {
      return minBytesPerSecond * window.toMillis() / 1000;
    }

    @Override
    public void close() {
      watches.remove(this);
    }
  }
}
