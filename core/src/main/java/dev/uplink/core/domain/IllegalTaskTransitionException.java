package dev.uplink.core.domain;

/** A status change the task state machine ({@link TaskStatus}) does not allow. */
public final class IllegalTaskTransitionException extends IllegalStateException {

  private final TaskStatus from;
  private final TaskStatus to;

  public IllegalTaskTransitionException(TaskStatus from, TaskStatus to) {
    super("A task cannot change status from " + from + " to " + to);
    this.from = from;
    this.to = to;
  }

  public TaskStatus from() {
    return from;
  }

  public TaskStatus to() {
    return to;
  }
}
