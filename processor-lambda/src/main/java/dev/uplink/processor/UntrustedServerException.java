package dev.uplink.processor;

/**
 * The server presented a certificate other than the pinned one, so the connection was closed during
 * the TLS handshake, before any byte of the file was sent.
 *
 * <p>Permanent, like {@link TargetForbiddenException}: the pin is configuration, and it does not
 * change between the redeliveries of one message. Retrying would only burn receives and move the
 * message to the dead-letter queue without telling the task's owner why, whereas failing the task
 * records this reason on it. The server may also be an impostor; nothing is gained by connecting
 * again.
 */
public final class UntrustedServerException extends PushException {

  public UntrustedServerException(String message, Throwable cause) {
    super(UNTRUSTED_SERVER, true, message, cause);
  }
}
