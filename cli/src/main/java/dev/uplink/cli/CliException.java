package dev.uplink.cli;

/**
 * A failure the user should read: {@link UplinkCommand} prints its message as one line on stderr
 * (never a stack trace) and exits with {@link #EXIT_CODE}.
 */
public class CliException extends RuntimeException {

  /** The exit code of a command that failed (as opposed to one used wrongly, which exits 2). */
  public static final int EXIT_CODE = 1;

  public CliException(String message) {
    super(message);
  }

  public CliException(String message, Throwable cause) {
    super(message, cause);
  }
}
