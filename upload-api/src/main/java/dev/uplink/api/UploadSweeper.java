package dev.uplink.api;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link DirectUploadService#sweep} on a timer, for a process that runs the API for long ({@code
 * uplink api}, {@code uplink local}): where no scheduled function sweeps and no object-created
 * event arrives, this is what completes a presigned upload whose client never called complete, and
 * fails one past its window. A failed pass is logged and the next one tries again.
 */
public final class UploadSweeper implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(UploadSweeper.class);
  private static final Duration STOP_WAIT = Duration.ofSeconds(5);

  private final ScheduledExecutorService timer;

  private UploadSweeper(ScheduledExecutorService timer) {
    this.timer = timer;
  }

  /**
   * Sweeps {@code uploads} every {@code interval}, the first time one interval from now.
   *
   * @param completionChecks objects a pass may look at for a completion ({@link
   *     DirectUploadService#sweep})
   */
  public static UploadSweeper start(
      DirectUploadService uploads, Duration interval, int completionChecks) {
    Objects.requireNonNull(uploads, "uploads");
    if (!interval.isPositive()) {
      throw new IllegalArgumentException("interval must be positive, got " + interval);
    }
    var timer =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("uplink-sweeper").daemon().factory());
    timer.scheduleWithFixedDelay(
        () -> {
          try {
            uploads.sweep(completionChecks);
          } catch (RuntimeException e) {
            log.warn("Sweeping presigned uploads failed; trying again", e);
          }
        },
        interval.toMillis(),
        interval.toMillis(),
        TimeUnit.MILLISECONDS);
    return new UploadSweeper(timer);
  }

  /**
   * Stops the timer and waits for a pass in flight, so none uses the services after this returns
   * (their clients may be closed next). Interrupted, its store calls end promptly.
   */
  @Override
  public void close() {
    timer.shutdownNow();
    try {
      if (!timer.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("The upload sweeper did not stop within {}", STOP_WAIT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
