package dev.uplink.core.domain;

/**
 * The claim rule: what a worker holding a message for a task may do. Idempotency is keyed on the
 * task, never on the message, so a second message for the same task (a producer retry, a reconciler
 * re-publish, an at-least-once redelivery) lands on one of these.
 */
public enum ClaimVerdict {
  /** PENDING, or PROCESSING under an expired lease (its worker died): claim it and push. */
  CLAIMABLE,
  /** PROCESSING under a live lease: another worker is pushing; put the message back for later. */
  LEASED,
  /**
   * DONE, FAILED or CANCELLED, or AWAITING_UPLOAD (a stale message: completing the upload publishes
   * a new one): nothing to do now; delete the message without a push.
   */
  FINISHED
}
