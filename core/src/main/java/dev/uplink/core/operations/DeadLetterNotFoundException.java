package dev.uplink.core.operations;

/** No message in the dead-letter queue has this id, and no task has it either. */
public final class DeadLetterNotFoundException extends RuntimeException {

  private final String id;

  public DeadLetterNotFoundException(String id) {
    super("Nothing in the dead-letter queue, and no task, has the id " + id);
    this.id = id;
  }

  /** The id asked for: a message id or a task id. */
  public String id() {
    return id;
  }
}
