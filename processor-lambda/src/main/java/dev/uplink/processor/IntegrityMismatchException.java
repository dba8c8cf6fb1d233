package dev.uplink.processor;

import dev.uplink.core.domain.TaskError;

/**
 * The bytes to push are not what the task describes: the stored object has another size than the
 * upload, the bytes streamed had another SHA-256 than the one recorded at upload, or the target
 * stored another size. Detected before the destination changes, so nothing was replaced. Permanent:
 * the same object read again gives the same bytes.
 */
public final class IntegrityMismatchException extends PushException {

  public IntegrityMismatchException(String message) {
    super(TaskError.INTEGRITY_MISMATCH, true, message, null);
  }
}
