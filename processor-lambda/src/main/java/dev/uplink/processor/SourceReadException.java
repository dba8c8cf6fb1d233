package dev.uplink.processor;

/**
 * Reading the bytes to push failed, or they ended before (or went past) the announced size.
 * Transient: the object store may answer on the next attempt. Whatever the target received is
 * overwritten by the next successful push.
 */
public final class SourceReadException extends PushException {

  public SourceReadException(String message, Throwable cause) {
    super(OBJECT_READ_FAILED, false, message, cause);
  }
}
