package dev.uplink.core.operations;

import dev.uplink.core.domain.UploadTask;
import java.util.Objects;

/** Only a FAILED task may be retried; this one is not FAILED, and nothing was changed. */
public final class RetryRefusedException extends RuntimeException {

  private final transient UploadTask task;

  public RetryRefusedException(UploadTask task) {
    super(
        "Task "
            + task.id()
            + " is "
            + task.status()
            + ", not FAILED: only a FAILED task can be retried");
    this.task = Objects.requireNonNull(task, "task");
  }

  /** The task as it is. */
  public UploadTask task() {
    return task;
  }
}
