package dev.uplink.core.domain;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of a task's timeline: a status change (or a claim that took over an expired lease) and
 * why it happened.
 *
 * @param at when it happened
 * @param from the status before; empty for the entry that created the task
 * @param to the status after
 * @param attempt the task's claim count after the change
 * @param reason why, in words: the error for a failure, otherwise what happened
 */
public record Transition(
    Instant at, Optional<TaskStatus> from, TaskStatus to, int attempt, String reason) {

  /** Longer reasons are cut: a timeline is kept with the task, whose record size is bounded. */
  public static final int MAX_REASON_CHARS = 300;

  public Transition {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(reason, "reason");
    if (reason.length() > MAX_REASON_CHARS) {
      reason = reason.substring(0, MAX_REASON_CHARS - 1) + "…";
    }
  }

  /** The first entry of a task created at {@code at} in status {@code status}. */
  public static Transition created(TaskStatus status, Instant at) {
    return new Transition(at, Optional.empty(), status, 0, reasonFor(Optional.empty(), status));
  }

  /**
   * Why a task went from {@code from} to {@code to}: the error if the change recorded one,
   * otherwise what such a change means.
   */
  public static String reasonFor(
      Optional<TaskStatus> from, TaskStatus to, Optional<TaskError> error) {
    return error.map(TaskError::toString).orElseGet(() -> reasonFor(from, to));
  }

  private static String reasonFor(Optional<TaskStatus> from, TaskStatus to) {
    if (from.isEmpty()) {
      return to == TaskStatus.AWAITING_UPLOAD ? "waiting for the client's upload" : "uploaded";
    }
    return switch (to) {
      case AWAITING_UPLOAD -> "waiting for the client's upload";
      case PENDING ->
          switch (from.get()) {
            case AWAITING_UPLOAD -> "upload completed";
            case FAILED -> "retried by an operator";
            default -> "given back by its worker";
          };
      case PROCESSING ->
          from.get() == TaskStatus.PROCESSING
              ? "claimed again: its worker's lease ran out"
              : "claimed by a worker";
      case DONE -> "pushed and verified";
      case FAILED -> "failed";
      case CANCELLED -> "cancelled by its owner";
    };
  }
}
