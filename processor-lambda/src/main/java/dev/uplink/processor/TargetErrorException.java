package dev.uplink.processor;

import java.util.OptionalInt;

/**
 * Any other refusal from the target, carrying the target's own reason text and, for Incus, the HTTP
 * status (for example 500 "sftp: open /srv/x: is a directory").
 */
public final class TargetErrorException extends PushException {

  private final OptionalInt status;
  private final String reason;

  /** An Incus error ({@code INCUS_ERROR}). */
  public TargetErrorException(int status, String reason, String message, boolean permanent) {
    super(PushException.INCUS_ERROR, permanent, message, null);
    this.status = OptionalInt.of(status);
    this.reason = reason;
  }

  /** A failure with its own code, without an HTTP status (e.g. the local directory target). */
  public TargetErrorException(String code, String message, boolean permanent, Throwable cause) {
    super(code, permanent, message, cause);
    this.status = OptionalInt.empty();
    this.reason = message;
  }

  /** The HTTP status Incus answered, when there was one. */
  public OptionalInt status() {
    return status;
  }

  /** The target's own reason text (Incus's {@code error} field). */
  public String reason() {
    return reason;
  }
}
