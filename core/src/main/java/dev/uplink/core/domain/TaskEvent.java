package dev.uplink.core.domain;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One change of a task's status, told to whoever waits for the file: {@code upload.pending} when
 * the bytes are stored and the task is queued, {@code upload.done} when the file is in the
 * instance, {@code upload.failed} with the reason, and so on for every status.
 *
 * <p>Events are derived from the task table's change stream, after the status write and never
 * instead of it: a write that changes no status (progress, a lease extension) makes none. The same
 * change always makes the same event, {@link #id()} included, so a consumer that sees it twice (the
 * stream is read at least once) can tell.
 *
 * @param id {@code evt_<task id>_<n>}, where n counts the task's transitions: unique per change,
 *     ordered per task
 * @param type {@code upload.} and the new status in lower case ({@code upload.done})
 * @param task the task after the change
 * @param time when the status changed (the task's {@code updatedAt})
 */
public record TaskEvent(String id, String type, UploadTask task, Instant time) {

  public TaskEvent {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(time, "time");
  }

  /** The event type of a change to {@code status}: {@code upload.done} for DONE. */
  public static String typeOf(TaskStatus status) {
    return "upload." + status.name().toLowerCase(Locale.ROOT);
  }

  /**
   * The event a write from {@code before} (empty: the write created the task) to {@code after}
   * makes: one when it created the task or changed its status, none otherwise.
   */
  public static Optional<TaskEvent> of(Optional<UploadTask> before, UploadTask after) {
    Objects.requireNonNull(after, "after");
    if (before.isPresent() && before.get().status() == after.status()) {
      return Optional.empty();
    }
    // A task stored before timelines were kept may have fewer entries than changes: at least 1.
    int n = Math.max(1, after.timeline().size());
    return Optional.of(
        new TaskEvent(
            "evt_" + after.id().value() + "_" + n,
            typeOf(after.status()),
            after,
            after.updatedAt()));
  }

  /** The task's status after the change. */
  public TaskStatus status() {
    return task.status();
  }
}
