package dev.uplink.core.domain;

import java.util.Optional;

/** A conditional write lost: the task was not in the expected status, or already existed. */
public final class TaskConflictException extends RuntimeException {

  private final TaskId id;
  private final transient Optional<UploadTask> current;

  public TaskConflictException(TaskId id, String message, Optional<UploadTask> current) {
    super("Task " + id + ": " + message);
    this.id = id;
    this.current = current;
  }

  public TaskId id() {
    return id;
  }

  /** The task as stored when the write was refused, when the store returned it. */
  public Optional<UploadTask> current() {
    return current;
  }
}
