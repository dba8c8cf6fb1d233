package dev.uplink.processor;

/** What became of one queue message, and so whether the consumer deletes it. */
public enum Outcome {
  /** The file was pushed and the task is DONE. */
  DONE,
  /** The task failed permanently and is FAILED; trying again cannot help. */
  FAILED,
  /** Nothing to do: unknown task, already finished, or its object is gone (recorded). */
  DROP,
  /**
   * Try again later: keep the message so the queue redelivers it (or, in the end, dead-letters it).
   */
  RETRY;

  /** Whether the consumer deletes the message (every outcome but {@link #RETRY}). */
  public boolean deletesMessage() {
    return this != RETRY;
  }
}
