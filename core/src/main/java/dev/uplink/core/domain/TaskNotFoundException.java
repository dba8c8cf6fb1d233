package dev.uplink.core.domain;

/** No task has this id. */
public final class TaskNotFoundException extends RuntimeException {

  private final TaskId id;

  public TaskNotFoundException(TaskId id) {
    super("No task " + id);
    this.id = id;
  }

  public TaskId id() {
    return id;
  }
}
