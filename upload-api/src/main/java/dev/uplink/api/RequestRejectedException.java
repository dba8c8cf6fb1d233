package dev.uplink.api;

import dev.uplink.core.domain.UploadTask;
import java.util.Objects;
import java.util.Optional;

/**
 * The caller asked for something that cannot be done; nothing was changed. The HTTP layer turns the
 * {@link Reason} into a status and a problem type.
 */
public final class RequestRejectedException extends RuntimeException {

  /** Why, in terms a client can act on. */
  public enum Reason {
    /** The request itself is malformed (400). */
    INVALID,
    /** The caller's policy does not allow the destination (403). */
    FORBIDDEN,
    /** No such task for this caller (404). */
    NOT_FOUND,
    /** The task's status does not allow it (409). */
    WRONG_STATUS,
    /** The Idempotency-Key names a task created by a different request (409). */
    IDEMPOTENCY_MISMATCH,
    /** The direct upload has not arrived, or not completely (409). */
    UPLOAD_INCOMPLETE,
    /** The file is larger than the limit (413). */
    TOO_LARGE,
    /** The uploaded object is not what was declared; the task is now FAILED (422). */
    UPLOAD_MISMATCH,
  }

  private final Reason reason;
  private final String field;
  private final transient Optional<UploadTask> task;

  public RequestRejectedException(
      Reason reason, String detail, String field, Optional<UploadTask> task) {
    super(detail);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.field = field;
    this.task = Objects.requireNonNull(task, "task");
  }

  public static RequestRejectedException invalid(String field, String detail) {
    return new RequestRejectedException(Reason.INVALID, detail, field, Optional.empty());
  }

  public static RequestRejectedException notFound() {
    return new RequestRejectedException(
        Reason.NOT_FOUND, "There is no upload task with this id", null, Optional.empty());
  }

  public static RequestRejectedException wrongStatus(UploadTask task, String action) {
    return new RequestRejectedException(
        Reason.WRONG_STATUS,
        "The task is " + task.status() + " and cannot be " + action,
        null,
        Optional.of(task));
  }

  public Reason reason() {
    return reason;
  }

  /** The request field at fault, or null. */
  public String field() {
    return field;
  }

  /** The task concerned, when there is one (its status explains a conflict). */
  public Optional<UploadTask> task() {
    return task;
  }
}
