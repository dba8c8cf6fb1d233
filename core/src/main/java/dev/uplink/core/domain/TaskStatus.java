package dev.uplink.core.domain;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of an upload task, and the only place that says which status may follow which.
 *
 * <pre>
 *   AWAITING_UPLOAD ──complete──▶ PENDING       (the client's direct upload to S3 checked out)
 *      │  └──────────────────────▶ FAILED        (UPLOAD_MISMATCH, UPLOAD_EXPIRED)
 *      └─────────────────────────▶ CANCELLED
 *
 *   PENDING ──claim──▶ PROCESSING ──▶ DONE
 *      │                  │  │
 *      │                  │  └──────▶ FAILED     (a permanent error, or the retries ran out)
 *      │                  └─release─▶ PENDING    (transient error, shutdown: try again later)
 *      └────────────────────────────▶ CANCELLED  (the owner withdrew it)
 *
 *   FAILED ──retry──▶ PENDING   (an operator fixed the cause and sends it through again)
 * </pre>
 *
 * A PROCESSING task whose lease has expired may be claimed again (its worker died): that is a
 * claim, not a status change, and {@link UploadTask#claimVerdict} decides it.
 *
 * <p>A PENDING task never fails directly: every check that can fail a task for good (the seal, the
 * destination allow-list, the push itself) runs under a claim, so a failure leaves PROCESSING.
 *
 * <p>Whether a status is {@linkplain #isTerminal() terminal} (or {@linkplain #isOpen() open}) is
 * decided here too, by exhaustive switches: a new status does not compile until it says where it
 * stands, and the stores (their index of open tasks, their time to live) follow from it.
 */
public enum TaskStatus {
  /** Presigned: the client uploads the bytes straight to the object store, then completes. */
  AWAITING_UPLOAD,
  PENDING,
  PROCESSING,
  DONE,
  FAILED,
  CANCELLED;

  /** The statuses this one may change to. */
  public Set<TaskStatus> successors() {
    return switch (this) {
      case AWAITING_UPLOAD -> EnumSet.of(PENDING, FAILED, CANCELLED);
      case PENDING -> EnumSet.of(PROCESSING, CANCELLED);
      case PROCESSING -> EnumSet.of(DONE, FAILED, PENDING);
      case FAILED -> EnumSet.of(PENDING);
      case DONE, CANCELLED -> EnumSet.noneOf(TaskStatus.class);
    };
  }

  public boolean canChangeTo(TaskStatus next) {
    return successors().contains(next);
  }

  /**
   * Whether the task's outcome is settled: no worker or client will change it. Only an operator's
   * retry takes a FAILED task back to PENDING.
   */
  public boolean isTerminal() {
    return switch (this) {
      case DONE, FAILED, CANCELLED -> true;
      case AWAITING_UPLOAD, PENDING, PROCESSING -> false;
    };
  }

  /**
   * Whether the task is still under way (not {@linkplain #isTerminal() terminal}): a store keeps
   * open tasks where its sweeps find them and keeps finished ones only for their retention.
   */
  public boolean isOpen() {
    return !isTerminal();
  }

  /**
   * Checks a transition before any store is asked to make it.
   *
   * @throws IllegalTaskTransitionException if {@code next} may not follow this status
   */
  public void requireChangeTo(TaskStatus next) {
    if (!canChangeTo(next)) {
      throw new IllegalTaskTransitionException(this, next);
    }
  }
}
