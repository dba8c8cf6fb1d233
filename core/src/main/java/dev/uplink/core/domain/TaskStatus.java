package dev.uplink.core.domain;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of an upload task, and the only place that says which status may follow which.
 *
 * <pre>
 *   PENDING ──claim──▶ PROCESSING ──▶ DONE
 *      │                  │  │
 *      │                  │  └──────▶ FAILED
 *      │                  └─release─▶ PENDING   (lease given back, e.g. on shutdown)
 *      └────────────────────────────▶ FAILED    (a permanent error found before any push)
 * </pre>
 */
public enum TaskStatus {
  PENDING,
  PROCESSING,
  DONE,
  FAILED;

  /** The statuses this one may change to. */
  public Set<TaskStatus> successors() {
    return switch (this) {
      case PENDING -> EnumSet.of(PROCESSING, FAILED);
      case PROCESSING -> EnumSet.of(DONE, FAILED, PENDING);
      case DONE, FAILED -> EnumSet.noneOf(TaskStatus.class);
    };
  }

  public boolean canChangeTo(TaskStatus next) {
    return successors().contains(next);
  }

  /** Whether no further change is allowed: the task's outcome is final. */
  public boolean isTerminal() {
    return successors().isEmpty();
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
