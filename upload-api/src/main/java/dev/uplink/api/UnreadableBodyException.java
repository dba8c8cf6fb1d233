package dev.uplink.api;

import java.io.IOException;

/**
 * Reading the upload body failed: the client disconnected, sent fewer bytes than announced, or the
 * body framing (chunked encoding, multipart boundary) was broken. Nothing was stored and no task
 * was created. The cause is the read failure.
 */
public final class UnreadableBodyException extends RuntimeException {

  public UnreadableBodyException(IOException cause) {
    super("The upload body could not be read to its end: " + cause.getMessage(), cause);
  }

  @Override
  public synchronized IOException getCause() {
    return (IOException) super.getCause();
  }
}
