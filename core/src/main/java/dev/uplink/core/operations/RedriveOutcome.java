package dev.uplink.core.operations;

/** What a redrive did with one message of the dead-letter queue. */
public enum RedriveOutcome {
  /** Its task was FAILED and is PENDING again (attempts and timeline kept); the message is back. */
  RETRIED,
  /**
   * Its task was already PENDING or PROCESSING (retried some other way) and was left as it is; the
   * message is back anyway, a duplicate the claim rule makes harmless.
   */
  REQUEUED,
  /**
   * Its task is finished (DONE or CANCELLED), not yet uploaded, or gone: nothing to do, so the
   * message was deleted.
   */
  STALE_DELETED,
  /** The message is not a task message; it was left in the dead-letter queue (purge it). */
  NOT_A_TASK,
  /** An id asked for matched no message in the dead-letter queue. */
  NOT_FOUND,
  /** A step failed; the detail says which, and the message is still in the dead-letter queue. */
  ERROR
}
