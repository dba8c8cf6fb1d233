package dev.uplink.api;

/** The upload body had no bytes; nothing was stored. */
public final class EmptyUploadException extends RuntimeException {

  public EmptyUploadException() {
    super("The upload body is empty");
  }
}
