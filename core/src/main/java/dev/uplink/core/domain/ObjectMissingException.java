package dev.uplink.core.domain;

/** The object store has nothing under the key: a permanent error for the task that names it. */
public final class ObjectMissingException extends RuntimeException {

  public ObjectMissingException(String key, Throwable cause) {
    super("No object under key " + key, cause);
  }
}
