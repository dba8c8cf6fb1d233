package dev.uplink.processor;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@code beat} every {@code period} (first after one period) until closed, each beat on its
 * own virtual thread so a slow queue or store call never delays other tasks' heartbeats. A beat
 * still running when the next is due makes that one skip; {@link #close()} waits for a running
 * beat, so none lands after the caller went on to finish the task.
 */
public final class Heartbeat implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);

  private final Runnable beat;
  private final ReentrantLock running = new ReentrantLock();
  private final ScheduledFuture<?> schedule;
  private volatile boolean stopped;

  private Heartbeat(ScheduledExecutorService scheduler, Duration period, Runnable beat) {
    this.beat = Objects.requireNonNull(beat, "beat");
    long nanos = Math.max(1, period.toNanos());
    this.schedule =
        scheduler.scheduleAtFixedRate(
            () -> Thread.ofVirtual().name("uplink-heartbeat").start(this::runBeat),
            nanos,
            nanos,
            TimeUnit.NANOSECONDS);
  }

  /** Starts beating every {@code period}. */
  public static Heartbeat start(
      ScheduledExecutorService scheduler, Duration period, Runnable beat) {
    return new Heartbeat(scheduler, period, beat);
  }

  private void runBeat() {
    if (stopped || !running.tryLock()) {
      return;
    }
    try {
      if (!stopped) {
        beat.run();
      }
    } catch (RuntimeException e) {
      log.warn("Heartbeat failed: {}", e.toString());
    } finally {
      running.unlock();
    }
  }

  /** Stops beating; returns once no beat runs any more. */
  @Override
  public void close() {
    stopped = true;
    schedule.cancel(false);
    running.lock();
    running.unlock();
  }
}
