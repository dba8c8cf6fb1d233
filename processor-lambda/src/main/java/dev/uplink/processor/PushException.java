package dev.uplink.processor;

import dev.uplink.core.domain.TaskError;
import java.util.Objects;

/**
 * Why a {@link FileTarget} could not push a file. Each subtype stands for one cause with a stable
 * {@link #code()} (recorded on the task as {@link TaskError#code()}) and says whether the failure
 * is {@link #permanent()}: trying the same push again cannot succeed, so the task fails, instead of
 * going back to the queue.
 */
public abstract sealed class PushException extends Exception
    permits InstanceNotFoundException,
        ProjectNotFoundException,
        PathNotFoundException,
        TargetForbiddenException,
        UntrustedServerException,
        TargetUnavailableException,
        TargetErrorException,
        SourceReadException,
        IntegrityMismatchException,
        UnknownRemoteException {

  /** Incus could not be reached or could not serve now ({@link TargetUnavailableException}). */
  public static final String INCUS_UNAVAILABLE = "INCUS_UNAVAILABLE";

  /** Incus refused our client certificate ({@link TargetForbiddenException}). */
  public static final String INCUS_FORBIDDEN = "INCUS_FORBIDDEN";

  /** Any other refusal from Incus ({@link TargetErrorException}). */
  public static final String INCUS_ERROR = "INCUS_ERROR";

  /** The destination path (or one of its parents) cannot be reached inside the instance. */
  public static final String PATH_NOT_FOUND = "PATH_NOT_FOUND";

  /** The server presented a certificate other than the pinned one. */
  public static final String UNTRUSTED_SERVER = "INCUS_UNTRUSTED_SERVER";

  /** Reading the bytes to push failed or they ended early. */
  public static final String OBJECT_READ_FAILED = "OBJECT_READ_FAILED";

  /** The task names an Incus remote the processor is not configured for. */
  public static final String UNKNOWN_REMOTE = "UNKNOWN_REMOTE";

  /** The local directory target could not write. */
  public static final String LOCAL_TARGET_ERROR = "LOCAL_TARGET_ERROR";

  private final String code;
  private final boolean permanent;

  PushException(String code, boolean permanent, String message, Throwable cause) {
    super(Objects.requireNonNull(message, "message"), cause);
    this.code = Objects.requireNonNull(code, "code");
    this.permanent = permanent;
  }

  /** A stable, machine-readable reason, such as {@code INSTANCE_NOT_FOUND}. */
  public String code() {
    return code;
  }

  /** Whether pushing again cannot help (true) or a later attempt may succeed (false). */
  public boolean permanent() {
    return permanent;
  }

  /** The error to record on the task. */
  public TaskError toTaskError() {
    return new TaskError(code, getMessage());
  }
}
