package dev.uplink.api;

import dev.uplink.core.domain.TaskId;
import java.util.Objects;
import java.util.Optional;

/**
 * A dependency (object store, task store or queue) failed; nothing half-done was left. Says which
 * dependency and keeps its exception as the cause, whose kind decides the answer at the edge
 * ({@link UploadService#outages()}): a transient {@link dev.uplink.core.domain.DependencyException}
 * means retry later (503), anything else (a refused request, a malformed stored item, a bug) is a
 * 500.
 */
public final class DependencyFailedException extends RuntimeException {

  private final String dependency;
  private final transient Optional<TaskId> recordedTask;

  public DependencyFailedException(
      String dependency, Optional<TaskId> recordedTask, RuntimeException cause) {
    super(
        "The "
            + dependency
            + " failed"
            + recordedTask.map(id -> " after task " + id + " was recorded").orElse(""),
        cause);
    this.dependency = Objects.requireNonNull(dependency, "dependency");
    this.recordedTask = Objects.requireNonNull(recordedTask, "recordedTask");
  }

  /** Which dependency failed: {@code object store}, {@code task store} or {@code task queue}. */
  public String dependency() {
    return dependency;
  }

  /**
   * The task, when it was durably recorded before the failure (only publishing failed). It stays
   * PENDING and will still be processed: the reconciler re-publishes PENDING tasks.
   */
  public Optional<TaskId> recordedTask() {
    return recordedTask;
  }
}
