package dev.uplink.core.domain;

/** An owner's {@code Idempotency-Key} already names a task: the new one was not stored. */
public final class IdempotencyKeyTakenException extends RuntimeException {

  private final TaskId existing;

  public IdempotencyKeyTakenException(String owner, TaskId existing) {
    super("The idempotency key of " + owner + " already names task " + existing.value());
    this.existing = existing;
  }

  /** The task first created under the key. */
  public TaskId existing() {
    return existing;
  }
}
