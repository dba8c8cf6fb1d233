package dev.uplink.processor;

import dev.uplink.core.domain.Destination;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link FileTarget} that keeps what it receives (once its integrity check passed), can be told
 * to fail, can be slow (interruptibly, like a real push on a virtual thread), and measures how many
 * pushes run at once.
 */
public final class RecordingFileTarget implements FileTarget {

  /** One received push. */
  public record Push(Destination destination, byte[] content) {}

  private final List<Push> pushes = new CopyOnWriteArrayList<>();
  private final Map<String, PushException> failures = new ConcurrentHashMap<>();
  private final List<String> stagingNames = new CopyOnWriteArrayList<>();
  private final AtomicInteger started = new AtomicInteger();
  private final AtomicInteger interrupted = new AtomicInteger();
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger maxRunning = new AtomicInteger();
  private volatile Duration delay = Duration.ZERO;
  private volatile boolean unreachable;
  private final AtomicInteger probes = new AtomicInteger();

  /**
   * While set, the host is down: every push and every readiness probe fails with a refused
   * connection ({@link TargetUnavailableException}).
   */
  public RecordingFileTarget unreachable(boolean down) {
    this.unreachable = down;
    return this;
  }

  /** Readiness probes made ({@link #checkReady}), answered or not. */
  public int probes() {
    return probes.get();
  }

  @Override
  public void checkReady() throws PushException {
    probes.incrementAndGet();
    if (unreachable) {
      throw new TargetUnavailableException(
          "Incus at https://incus.test:8443 is unavailable (check server /1.0): cannot connect"
              + " (Connection refused)",
          null);
    }
  }

  @Override
  public String host(Destination destination) {
    return "incus.test:8443";
  }

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

  /** Each push takes at least this long (interruptibly). */
  public RecordingFileTarget delay(Duration delay) {
    this.delay = delay;
    return this;
  }

  @Override
  public void push(PushRequest request) throws PushException {
    Destination destination = request.destination();
    stagingNames.add(request.staging().fileName());
    started.incrementAndGet();
    int now = running.incrementAndGet();
    maxRunning.accumulateAndGet(now, Math::max);
    try {
      if (!delay.isZero()) {
        Thread.sleep(delay);
      }
      if (unreachable) {
        throw new TargetUnavailableException(
            "Incus at https://incus.test:8443 is unavailable (push %s:%s): cannot connect"
                    .formatted(destination.instance(), destination.path())
                + " (Connection refused)",
            null);
      }
      PushException failure = failures.get(destination.path());
      if (failure != null) {
        throw failure;
      }
      byte[] bytes = request.content().readAllBytes();
      request.verifyBeforeRename(); // as a real target does, before the file is visible
      pushes.add(new Push(destination, bytes));
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

  /** The staging file names of the pushes begun, in order. */
  public List<String> stagingNames() {
    return List.copyOf(stagingNames);
  }

  /** Completed pushes (their integrity check passed). */
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
