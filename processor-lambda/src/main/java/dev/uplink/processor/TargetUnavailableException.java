package dev.uplink.processor;

import java.util.OptionalInt;

/**
 * The target could not be reached or could not serve now: connection refused or reset, timeouts,
 * HTTP 5xx, 429. Transient: a later attempt may succeed.
 */
public final class TargetUnavailableException extends PushException {

  private final OptionalInt status;

  /** No HTTP answer at all (connection-level failure). */
  public TargetUnavailableException(String message, Throwable cause) {
    super(PushException.INCUS_UNAVAILABLE, false, message, cause);
    this.status = OptionalInt.empty();
  }

  /** The server answered with {@code status}. */
  public TargetUnavailableException(int status, String message) {
    super(PushException.INCUS_UNAVAILABLE, false, message, null);
    this.status = OptionalInt.of(status);
  }

  /** The HTTP status, when the server answered. */
  public OptionalInt status() {
    return status;
  }
}
