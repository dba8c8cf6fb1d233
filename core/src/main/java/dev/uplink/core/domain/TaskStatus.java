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
 *      │  │               │  │
 *      │  │               │  └──────▶ FAILED
 *      │  │               └─release─▶ PENDING    (transient error, shutdown: try again later)
 *      │  └─────────────────────────▶ FAILED     (a permanent error found before any push)
 *      └────────────────────────────▶ CANCELLED  (the owner withdrew it)
 *
 *   FAILED ──retry──▶ PENDING   (an operator fixed the cause and sends it through again)
 * </pre>
 *
 * A PROCESSING task whose lease has expired may be claimed again (its worker died): that is a
 * claim, not a status change, and {@link UploadTask#claimVerdict} decides it.
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
      case PENDING -> EnumSet.of(PROCESSING, FAILED, CANCELLED);
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
    return this == DONE || this == FAILED || this == CANCELLED;
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
