package dev.uplink.processor;

import dev.uplink.core.domain.TaskError;

/**
 * The server refused our client certificate (Incus: 403 "not authorized"). Permanent: the worker's
 * identity is not trusted, and trying the same task again changes nothing until an operator trusts
 * the certificate.
 */
public final class TargetForbiddenException extends PushException {

  private final int status;

  public TargetForbiddenException(int status, String message) {
    super(TaskError.INCUS_FORBIDDEN, true, message, null);
    this.status = status;
  }

  /** The HTTP status the server answered. */
  public int status() {
    return status;
  }
}
