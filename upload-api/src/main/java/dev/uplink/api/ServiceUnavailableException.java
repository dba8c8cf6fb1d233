package dev.uplink.api;

import dev.uplink.core.domain.TaskId;
import java.util.Objects;
import java.util.Optional;

/**
 * A dependency (object store, task store or queue) failed; nothing half-done was left. The cause is
 * the dependency's exception: when it is an outage ({@link UploadService#outages()}) the caller may
 * retry later, otherwise it is a bug (a malformed stored item, a request the dependency refuses).
 */
public final class ServiceUnavailableException extends RuntimeException {

  private final String dependency;
  private final transient Optional<TaskId> recordedTask;

  public ServiceUnavailableException(
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
