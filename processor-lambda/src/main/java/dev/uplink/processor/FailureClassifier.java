package dev.uplink.processor;

import dev.uplink.core.domain.DependencyException;
import dev.uplink.core.domain.ObjectMissingException;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The error taxonomy, in one place: whether a failure while processing a task is <b>transient</b>
 * (a later attempt may succeed: the task goes back to PENDING with the error recorded and the
 * message comes back after a backoff) or <b>permanent</b> (the same push can never succeed: the
 * task becomes FAILED after this one attempt and the message is deleted).
 *
 * <table>
 *   <caption>The cells</caption>
 *   <tr><th>failure</th><th>kind</th><th>code</th></tr>
 *   <tr><td>Incus: connection refused or reset, timeouts, HTTP 5xx, 408, 429</td>
 *       <td>transient</td><td>INCUS_UNAVAILABLE</td></tr>
 *   <tr><td>Incus: instance not found</td><td>permanent</td><td>INSTANCE_NOT_FOUND</td></tr>
 *   <tr><td>a remote the processor is not configured for</td><td>permanent</td>
 *       <td>UNKNOWN_REMOTE</td></tr>
 *   <tr><td>Incus: project not found</td><td>permanent</td><td>PROJECT_NOT_FOUND</td></tr>
 *   <tr><td>Incus: path not found (missing parent, unreachable)</td><td>permanent</td>
 *       <td>PATH_NOT_FOUND</td></tr>
 *   <tr><td>Incus: 401/403 (our certificate not trusted)</td><td>permanent</td>
 *       <td>INCUS_FORBIDDEN</td></tr>
 *   <tr><td>Incus: server certificate is not the pinned one</td><td>permanent</td>
 *       <td>INCUS_UNTRUSTED_SERVER</td></tr>
 *   <tr><td>Incus: other refusals (is a directory or a symlink, a name too long, a read-only
 *       file system, permission denied: {@link #isPermanentRefusal}; 4xx)</td>
 *       <td>as the target decided (permanent for those)</td><td>INCUS_ERROR</td></tr>
 *   <tr><td>local directory target: the same refusals / a symbolic link on the path / other I/O
 *       errors</td><td>permanent / permanent / transient</td><td>LOCAL_TARGET_ERROR</td></tr>
 *   <tr><td>reading the object broke off or ended early</td><td>transient</td>
 *       <td>OBJECT_READ_FAILED</td></tr>
 *   <tr><td>before the rename: size or SHA-256 differs (nothing replaced)</td><td>permanent</td>
 *       <td>INTEGRITY_MISMATCH</td></tr>
 *   <tr><td>the object is missing</td><td>permanent</td><td>OBJECT_MISSING</td></tr>
 *   <tr><td>the message names no task</td><td>permanent</td><td>TASK_NOT_FOUND</td></tr>
 *   <tr><td>AWS (S3, DynamoDB, SQS), as its adapter translated it ({@link DependencyException}):
 *       throttling</td><td>transient</td><td>AWS_THROTTLED</td></tr>
 *   <tr><td>AWS: HTTP 5xx, retryable, or no answer (connection refused, timeout)</td>
 *       <td>transient</td><td>AWS_UNAVAILABLE</td></tr>
 *   <tr><td>AWS: other 4xx (access denied, no such bucket or table)</td><td>permanent</td>
 *       <td>AWS_REJECTED</td></tr>
 *   <tr><td>other I/O errors</td><td>transient</td><td>IO_ERROR</td></tr>
 *   <tr><td>anything else (a bug)</td><td>transient, so it ends as RETRIES_EXHAUSTED</td>
 *       <td>INTERNAL</td></tr>
 * </table>
 *
 * <p>Whether a {@link PushException} is permanent is decided once, where it is thrown: each subtype
 * fixes it, and {@link TargetErrorException} carries what the target decided ({@link
 * #isPermanentRefusal}). Whether an AWS failure is, by {@code AwsErrors} in the adapter that met
 * it. This class only reads those answers; it never sees the AWS SDK.
 *
 * <p>An interrupted attempt (shutdown, Lambda deadline, lost lease) is not a failure at all and
 * never reaches this class: {@link PushWorker} handles it first.
 */
public final class FailureClassifier {

  public static final String TASK_NOT_FOUND = "TASK_NOT_FOUND";
  public static final String AWS_THROTTLED = "AWS_THROTTLED";
  public static final String AWS_UNAVAILABLE = "AWS_UNAVAILABLE";
  public static final String AWS_REJECTED = "AWS_REJECTED";
  public static final String IO_ERROR = "IO_ERROR";

  /**
   * What a filesystem answers (in {@code strerror}'s words, as Incus's SFTP server and Java report
   * them) when a write can never succeed as asked: the same push would be refused again.
   */
  private static final List<String> PERMANENT_REFUSALS =
      List.of(
          "file name too long",
          "read-only file system",
          "permission denied",
          "operation not permitted",
          "is a directory",
          "not a directory",
          "too many levels of symbolic links");

  private FailureClassifier() {}

  /**
   * Whether a target's refusal, in the filesystem's words ({@code File name too long}, {@code
   * Read-only file system}, {@code Permission denied}, …), is one trying again cannot change. A
   * full disk or a quota is not: space may be freed.
   *
   * @param reason the reason alone, without the path it was about (a path may contain any words)
   */
  public static boolean isPermanentRefusal(String reason) {
    String lower = reason.toLowerCase(Locale.ROOT);
    return PERMANENT_REFUSALS.stream().anyMatch(lower::contains);
  }

  /** Transient or permanent. */
  public enum Kind {
    TRANSIENT,
    PERMANENT
  }

  /** A classified failure: its kind and the error to record on the task. */
  public record Failure(Kind kind, TaskError error) {
    public Failure {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(error, "error");
    }

    public boolean permanent() {
      return kind == Kind.PERMANENT;
    }

    static Failure transientFailure(String code, String message) {
      return new Failure(Kind.TRANSIENT, new TaskError(code, message));
    }

    static Failure permanentFailure(String code, String message) {
      return new Failure(Kind.PERMANENT, new TaskError(code, message));
    }
  }

  /** Classifies {@code failure} (never null). */
  public static Failure classify(Throwable failure) {
    Objects.requireNonNull(failure, "failure");
    if (failure instanceof PushException push) {
      return new Failure(push.permanent() ? Kind.PERMANENT : Kind.TRANSIENT, push.toTaskError());
    }
    if (failure instanceof ObjectMissingException) {
      return Failure.permanentFailure(TaskError.OBJECT_MISSING, describe(failure));
    }
    if (failure instanceof TaskNotFoundException) {
      return Failure.permanentFailure(TASK_NOT_FOUND, describe(failure));
    }
    if (failure instanceof DependencyException dependency) {
      return classifyDependency(dependency);
    }
    if (failure instanceof IOException || failure instanceof UncheckedIOException) {
      return Failure.transientFailure(IO_ERROR, describe(failure));
    }
    return Failure.transientFailure(TaskError.INTERNAL, describe(failure));
  }

  private static Failure classifyDependency(DependencyException failure) {
    String message = describe(failure);
    return switch (failure.reason()) {
      case THROTTLED -> Failure.transientFailure(AWS_THROTTLED, message);
      case UNAVAILABLE -> Failure.transientFailure(AWS_UNAVAILABLE, message);
      case REJECTED -> Failure.permanentFailure(AWS_REJECTED, message);
    };
  }

  static String describe(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank()
        ? e.getClass().getName()
        : e.getClass().getSimpleName() + ": " + message;
  }
}
