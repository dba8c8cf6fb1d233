package dev.uplink.core.domain;

import java.util.Objects;

/**
 * Why a task's last attempt failed.
 *
 * @param code a stable, machine-readable reason such as {@code INSTANCE_NOT_FOUND}
 * @param message what happened, in words, as the failing component reported it
 */
public record TaskError(String code, String message) {

  /** The destination's instance does not exist on the target. */
  public static final String INSTANCE_NOT_FOUND = "INSTANCE_NOT_FOUND";

  /** The destination's Incus project does not exist on the target. */
  public static final String PROJECT_NOT_FOUND = "PROJECT_NOT_FOUND";

  public static final String OBJECT_MISSING = "OBJECT_MISSING";
  public static final String INTERNAL = "INTERNAL";
  public static final String RETRIES_EXHAUSTED = "RETRIES_EXHAUSTED";
  public static final String INTEGRITY_MISMATCH = "INTEGRITY_MISMATCH";

  /** The object uploaded to a presigned URL is not what was declared (size or SHA-256). */
  public static final String UPLOAD_MISMATCH = "UPLOAD_MISMATCH";

  /** A presigned upload was not completed before its URLs expired. */
  public static final String UPLOAD_EXPIRED = "UPLOAD_EXPIRED";

  /**
   * The task's {@link TaskSealer seal} does not verify (or it has none): what the API accepted was
   * changed in the task table. Nothing is pushed.
   */
  public static final String TASK_TAMPERED = "TASK_TAMPERED";

  /** The destination is outside the deployment's allow-list. Nothing is pushed. */
  public static final String DESTINATION_NOT_ALLOWED = "DESTINATION_NOT_ALLOWED";

  /**
   * The stored destination cannot be delivered as asked (a mode with a special bit, a name longer
   * than Linux takes): a task accepted under other rules. Nothing is pushed.
   */
  public static final String INVALID_DESTINATION = "INVALID_DESTINATION";

  /**
   * The attempt was cut short because its process died (recorded when the local stack restarts);
   * the task is PENDING again and retried. Not the task's fault.
   */
  public static final String INTERRUPTED = "INTERRUPTED";

  public TaskError {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return code + ": " + message;
  }
}
