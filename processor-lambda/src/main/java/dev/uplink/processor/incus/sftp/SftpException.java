package dev.uplink.processor.incus.sftp;

import java.io.IOException;

/**
 * The server answered a request with an error status. The session is still usable: only the request
 * failed. (A broken stream is an ordinary {@link IOException}, and the session is done.)
 */
public final class SftpException extends IOException {

  /** {@code SSH_FX_EOF}: reading past the end of a file or directory listing. */
  public static final int EOF = 1;

  /** {@code SSH_FX_NO_SUCH_FILE}. */
  public static final int NO_SUCH_FILE = 2;

  /** {@code SSH_FX_PERMISSION_DENIED}. */
  public static final int PERMISSION_DENIED = 3;

  /** {@code SSH_FX_FAILURE}: any other error; the message says which. */
  public static final int FAILURE = 4;

  /** {@code SSH_FX_OP_UNSUPPORTED}. */
  public static final int OP_UNSUPPORTED = 8;

  private final int status;
  private final String serverMessage;

  SftpException(String operation, String path, int status, String serverMessage) {
    super("%s %s: %s".formatted(operation, path, describe(status, serverMessage)));
    this.status = status;
    this.serverMessage = serverMessage;
  }

  /** The {@code SSH_FX_*} status code. */
  public int status() {
    return status;
  }

  /** The server's own error text (may be empty). */
  public String serverMessage() {
    return serverMessage;
  }

  public boolean isNoSuchFile() {
    return status == NO_SUCH_FILE;
  }

  private static String describe(int status, String message) {
    String name =
        switch (status) {
          case EOF -> "end of file";
          case NO_SUCH_FILE -> "no such file";
          case PERMISSION_DENIED -> "permission denied";
          case FAILURE -> "failure";
          case OP_UNSUPPORTED -> "operation unsupported";
          default -> "status " + status;
        };
    return message == null || message.isBlank() ? name : message + " (" + name + ")";
  }
}
