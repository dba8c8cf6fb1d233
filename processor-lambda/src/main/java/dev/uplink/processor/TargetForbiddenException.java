package dev.uplink.processor;

/**
 * The server refused our client certificate (Incus: 403 "not authorized"). Permanent: the worker's
 * identity is not trusted, and trying the same task again changes nothing until an operator trusts
 * the certificate.
 */
public final class TargetForbiddenException extends PushException {

  private final int status;

  public TargetForbiddenException(int status, String message) {
    super(PushException.INCUS_FORBIDDEN, true, message, null);
    this.status = status;
  }

  /** The HTTP status the server answered. */
  public int status() {
    return status;
  }
}
