package dev.uplink.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Follows a task until it is DONE, FAILED or CANCELLED with the API's long poll ({@code GET
 * /v1/uploads/{id}?wait=20}, answered as soon as the status or progress changes), showing the bytes
 * pushed into the instance on the progress meter.
 */
final class TaskWaiter {

  /** The longest wait the API grants per request. */
  static final Duration LONG_POLL = Duration.ofSeconds(20);

  /** Added to the long poll for the request's own timeout. */
  private static final Duration SLACK = Duration.ofSeconds(30);

  private TaskWaiter() {}

  /**
   * The task's JSON once it is finished.
   *
   * @param timeout how long to wait at most; empty for as long as it takes
   * @throws CliException if the timeout passes first
   */
  static JsonNode await(
      ApiClient api, String id, Optional<Duration> timeout, ProgressMeter progress) {
    long started = System.nanoTime();
    JsonNode json = api.get(TaskPaths.task(id)).body();
    Task task = Task.of(json);
    if (task.isFinished()) {
      return json;
    }
    progress.start(label(task), task.size());
    progress.update(task.bytesPushed());
    while (!task.isFinished()) {
      Duration wait = LONG_POLL;
      if (timeout.isPresent()) {
        Duration left = timeout.get().minus(Duration.ofNanos(System.nanoTime() - started));
        if (left.isNegative() || left.isZero()) {
          progress.finish();
          throw new CliException(
              "task "
                  + id
                  + " is still "
                  + task.status()
                  + " after "
                  + timeout.get().toSeconds()
                  + " s (--timeout)");
        }
        wait = left.compareTo(LONG_POLL) < 0 ? left : LONG_POLL;
      }
      long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
      json = api.get(TaskPaths.task(id) + "?wait=" + seconds, wait.plus(SLACK)).body();
      task = Task.of(json);
      progress.relabel(label(task));
      progress.update(task.bytesPushed());
    }
    progress.finish();
    return json;
  }

  private static String label(Task task) {
    return task.status().toLowerCase(Locale.ROOT);
  }
}
