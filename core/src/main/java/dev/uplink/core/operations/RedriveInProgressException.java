package dev.uplink.core.operations;

import java.util.Objects;

/** A move from the dead-letter queue is already running; only one may run at a time. */
public final class RedriveInProgressException extends RuntimeException {

  private final transient MoveTask running;

  public RedriveInProgressException(MoveTask running) {
    super(
        "A redrive of the dead-letter queue is already running (move "
            + running.handle()
            + ", "
            + running.moved()
            + " moved so far); wait for it to finish");
    this.running = Objects.requireNonNull(running, "running");
  }

  /** The move that is running. */
  public MoveTask running() {
    return running;
  }
}
