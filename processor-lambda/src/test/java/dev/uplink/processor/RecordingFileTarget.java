package dev.uplink.processor;

import dev.uplink.core.domain.Destination;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link FileTarget} that keeps what it receives, can be told to fail for a path, and measures
 * how many pushes run at once.
 */
public final class RecordingFileTarget implements FileTarget {

  /** One received push. */
  public record Push(Destination destination, byte[] content) {}

  private final List<Push> pushes = new CopyOnWriteArrayList<>();
  private final Map<String, PushException> failures = new ConcurrentHashMap<>();
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger maxRunning = new AtomicInteger();
  private volatile Duration delay = Duration.ZERO;

  /** Every push to {@code path} throws {@code failure}. */
  public RecordingFileTarget failFor(String path, PushException failure) {
    failures.put(path, failure);
    return this;
  }

  /** Each push takes at least this long. */
  public RecordingFileTarget delay(Duration delay) {
    this.delay = delay;
    return this;
  }

  @Override
  public void push(Destination destination, InputStream content, long size) throws PushException {
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
      pushes.add(new Push(destination, content.readAllBytes()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      running.decrementAndGet();
    }
  }

  public List<Push> pushes() {
    return List.copyOf(pushes);
  }

  public int maxConcurrentPushes() {
    return maxRunning.get();
  }
}
