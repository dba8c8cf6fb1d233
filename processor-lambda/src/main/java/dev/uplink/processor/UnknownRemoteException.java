package dev.uplink.processor;

/**
 * The task names an Incus remote this processor is not configured for ({@code UPLINK_INCUS_REMOTES}
 * lacks it). Permanent: the API refuses such a destination, so the task was recorded by an API that
 * knew other remotes, or the remote was removed since; trying again changes nothing until an
 * operator configures it.
 */
public final class UnknownRemoteException extends PushException {

  private final String remote;

  public UnknownRemoteException(String remote, String message) {
    super(UNKNOWN_REMOTE, true, message, null);
    this.remote = remote;
  }

  /** The remote the task names. */
  public String remote() {
    return remote;
  }
}
