package dev.uplink.processor;

import dev.uplink.core.domain.TaskError;

/**
 * After a push, the file in the target is not what the task describes: another size than the
 * upload, or the bytes streamed had another SHA-256 than the one recorded at upload. Transient: the
 * task is never DONE with it, and the next attempt pushes the file again.
 */
public final class IntegrityMismatchException extends PushException {

  public IntegrityMismatchException(String message) {
    super(TaskError.INTEGRITY_MISMATCH, false, message, null);
  }
}
