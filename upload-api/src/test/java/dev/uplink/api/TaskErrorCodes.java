package dev.uplink.api;

import java.util.List;

/**
 * Every code a task's {@code lastError} may carry: the one list the documentation and the web page
 * are checked against ({@code TaskVocabularyTest}).
 *
 * <p>The codes are declared where they are decided: {@link dev.uplink.core.domain.TaskError}'s
 * constants (checked to be here by reflection) and those of the processor's {@code
 * FailureClassifier} and push failures (upload-api cannot see processor-lambda, so they are listed
 * by hand, with their strings). A new code goes here first; the tests then say what to document.
 */
public final class TaskErrorCodes {

  /** In the order the documentation lists them. */
  public static final List<String> ALL =
      List.of(
          // The destination
          "INSTANCE_NOT_FOUND",
          "PROJECT_NOT_FOUND",
          "INCUS_FORBIDDEN",
          "INCUS_ERROR",
          "INCUS_UNAVAILABLE",
          "INCUS_UNTRUSTED_SERVER",
          "PATH_NOT_FOUND",
          "LOCAL_TARGET_ERROR",
          "DESTINATION_NOT_ALLOWED",
          "INVALID_DESTINATION",
          "UNKNOWN_REMOTE",
          // The bytes and the task
          "OBJECT_MISSING",
          "OBJECT_READ_FAILED",
          "INTEGRITY_MISMATCH",
          "UPLOAD_MISMATCH",
          "UPLOAD_EXPIRED",
          "TASK_TAMPERED",
          "TASK_NOT_FOUND",
          // AWS and I/O (FailureClassifier)
          "AWS_THROTTLED",
          "AWS_UNAVAILABLE",
          "AWS_REJECTED",
          "IO_ERROR",
          // Giving up, and bugs
          "INTERRUPTED",
          "RETRIES_EXHAUSTED",
          "INTERNAL");

  private TaskErrorCodes() {}
}
