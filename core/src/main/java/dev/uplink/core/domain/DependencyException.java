package dev.uplink.core.domain;

import java.util.Objects;

/**
 * A dependency (the task store, the queue, the object store) failed, translated by its adapter so
 * that nothing outside the adapters needs to know the SDK that reached it. It says whether trying
 * again may help ({@link #isTransient()}) and keeps the SDK's exception as its cause.
 */
public final class DependencyException extends RuntimeException {

  /** What went wrong, as far as a caller deciding whether to retry needs to know. */
  public enum Reason {
    /** The dependency asked us to slow down (429, throttling): transient. */
    THROTTLED,
    /** No answer, or a 5xx or retryable one: transient. */
    UNAVAILABLE,
    /** The dependency refused the request as asked (access denied, no such table): permanent. */
    REJECTED
  }

  private final String dependency;
  private final Reason reason;

  /**
   * @param dependency what failed, in words an operator knows ({@code "DynamoDB table uplink"})
   * @param reason why
   * @param cause the SDK's exception
   */
  public DependencyException(String dependency, Reason reason, Throwable cause) {
    super(
        Objects.requireNonNull(dependency, "dependency")
            + " "
            + describe(Objects.requireNonNull(reason, "reason"))
            + (cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage()),
        cause);
    this.dependency = dependency;
    this.reason = reason;
  }

  public String dependency() {
    return dependency;
  }

  public Reason reason() {
    return reason;
  }

  /** Whether a later attempt may succeed. */
  public boolean isTransient() {
    return reason != Reason.REJECTED;
  }

  private static String describe(Reason reason) {
    return switch (reason) {
      case THROTTLED -> "is throttling requests";
      case UNAVAILABLE -> "is unavailable";
      case REJECTED -> "refused the request";
    };
  }
}
