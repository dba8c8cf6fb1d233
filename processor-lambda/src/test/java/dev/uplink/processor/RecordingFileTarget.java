package dev.uplink.processor;

import dev.uplink.core.domain.Destination;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link FileTarget} that keeps what it receives, can be told to fail or to misreport sizes, can
 * be slow (interruptibly, like a real push on a virtual thread), and measures how many pushes run
 * at once.
 */
public final class RecordingFileTarget implements FileTarget {

  /** One received push. */
  public record Push(Destination destination, byte[] content) {}

  private final List<Push> pushes = new CopyOnWriteArrayList<>();
  private final Map<String, PushException> failures = new ConcurrentHashMap<>();
  private final Map<String, Long> sizes = new ConcurrentHashMap<>();
  private final Map<String, Long> reportedSizes = new ConcurrentHashMap<>();
  private final AtomicInteger started = new AtomicInteger();
  private final AtomicInteger interrupted = new AtomicInteger();
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger maxRunning = new AtomicInteger();
  private volatile Duration delay = Duration.ZERO;

  /** Every push to {@code path} throws {@code failure}. */
  public RecordingFileTarget failFor(String path, PushException failure) {
    failures.put(path, failure);
    return this;
  }

  /** Pushes to {@code path} succeed again. */
  public RecordingFileTarget recover(String path) {
    failures.remove(path);
    return this;
  }

  /** After a push, {@link #sizeOf} reports {@code size} for {@code path}, whatever was written. */
  public RecordingFileTarget reportSize(String path, long size) {
    reportedSizes.put(path, size);
    return this;
  }

  /** Each push takes at least this long (interruptibly). */
  public RecordingFileTarget delay(Duration delay) {
    this.delay = delay;
    return this;
  }

  @Override
  public void push(Destination destination, InputStream content, long size) throws PushException {
    started.incrementAndGet();
    int now = running.incrementAndGet();
    maxRunning.accumulateAndGet(now, Math::max);
    try {
      if (!delay.isZero()) {
        Thread.sleep(delay);
      }
      PushException failure = failures.get(destination.path());
      if (failure != null) {
        throw failure;
      }
      byte[] bytes = content.readAllBytes();
      pushes.add(new Push(destination, bytes));
      sizes.put(destination.path(), (long) bytes.length);
    } catch (IOException e) {
      throw new TargetUnavailableException("reading failed: " + e, e);
    } catch (InterruptedException e) {
      interrupted.incrementAndGet();
      Thread.currentThread().interrupt();
      throw new TargetUnavailableException("Interrupted while pushing", e);
    } finally {
      running.decrementAndGet();
    }
  }

  @Override
  public OptionalLong sizeOf(Destination destination) {
    Long reported = reportedSizes.get(destination.path());
    if (reported != null) {
      return OptionalLong.of(reported);
    }
    Long size = sizes.get(destination.path());
    return size == null ? OptionalLong.empty() : OptionalLong.of(size);
  }

  /** Completed pushes. */
  public List<Push> pushes() {
    return List.copyOf(pushes);
  }

  /** Pushes begun (completed, failed or interrupted). */
  public int started() {
    return started.get();
  }

  /** Pushes cut short by an interrupt. */
  public int interrupted() {
    return interrupted.get();
  }

  public int maxConcurrentPushes() {
    return maxRunning.get();
  }
}
