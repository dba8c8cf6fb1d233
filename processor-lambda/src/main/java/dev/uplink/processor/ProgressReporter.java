package dev.uplink.processor;

import dev.uplink.core.domain.TaskConflictException;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStore;
import dev.uplink.core.logging.TaskLogContext;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records how many bytes a running push has read so far ({@link TaskStore#recordProgress}, fenced
 * by the claim's attempt), every interval and only when the count moved since the last write, so
 * the status of a long push shows it advancing.
 *
 * <p>Best effort: a refused or failed write is logged and the push goes on. Detecting a lost lease
 * is the {@link Heartbeat}'s job, and a status page that lags a few seconds harms nobody. {@link
 * #close()} returns once no write runs any more, so none lands after the worker finished the task.
 */
final class ProgressReporter implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ProgressReporter.class);

  private final TaskStore tasks;
  private final TaskId id;
  private final int attempt;
  private final LongSupplier pushed;
  private final Heartbeat ticks;
  // Written by one tick at a time (Heartbeat runs no two beats at once); volatile because
  // successive ticks run on different virtual threads.
  private volatile long reported;
  private volatile boolean failureLogged;

  private ProgressReporter(
      ScheduledExecutorService scheduler,
      Duration interval,
      TaskStore tasks,
      TaskId id,
      int attempt,
      LongSupplier pushed) {
    this.tasks = Objects.requireNonNull(tasks, "tasks");
    this.id = Objects.requireNonNull(id, "id");
    this.attempt = attempt;
    this.pushed = Objects.requireNonNull(pushed, "pushed");
    // A claim starts the attempt at 0 bytes, so there is nothing to write until the first byte.
    this.reported = 0;
    this.ticks = Heartbeat.start(scheduler, interval, TaskLogContext.carrying(this::report));
  }

  /**
   * Starts recording {@code pushed} for attempt {@code attempt} of task {@code id} every {@code
   * interval} (first after one interval, so a push shorter than that writes nothing).
   */
  static ProgressReporter start(
      ScheduledExecutorService scheduler,
      Duration interval,
      TaskStore tasks,
      TaskId id,
      int attempt,
      LongSupplier pushed) {
    return new ProgressReporter(scheduler, interval, tasks, id, attempt, pushed);
  }

  private void report() {
    long count = pushed.getAsLong();
    if (count == reported) {
      return;
    }
    try {
      tasks.recordProgress(id, attempt, count);
      reported = count;
    } catch (TaskConflictException e) {
      // The heartbeat finds out too, and aborts the push; nothing to add here.
      log.debug(
          "Task {}: progress of attempt {} refused ({}); the push goes on",
          id,
          attempt,
          e.getMessage());
    } catch (RuntimeException e) {
      // Once per push at warn: a store outage would otherwise log every interval.
      if (failureLogged) {
        log.debug("Task {}: recording progress failed again: {}", id, e.toString());
      } else {
        failureLogged = true;
        log.warn(
            "Task {}: recording progress failed, the push goes on and tries at the next interval:"
                + " {}",
            id,
            e.toString());
      }
    }
  }

  /** Stops reporting; returns once no progress write runs any more. */
  @Override
  public void close() {
    ticks.close();
  }
}
