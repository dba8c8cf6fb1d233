package dev.uplink.core.aws;

import dev.uplink.core.domain.DependencyException;
import dev.uplink.core.domain.DependencyException.Reason;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Translates the AWS SDK's exceptions into {@link DependencyException}, the one place that decides
 * whether an AWS failure is throttling, an outage or a refusal.
 */
public final class AwsErrors {

  private AwsErrors() {}

  /**
   * The domain's view of {@code failure}.
   *
   * @param dependency what was being called, in an operator's words ({@code "SQS queue uplink"})
   */
  public static DependencyException translate(String dependency, SdkException failure) {
    return new DependencyException(dependency, reasonOf(failure), failure);
  }

  /**
   * The result of {@code call}, whose SDK exceptions become {@link DependencyException}s naming
   * {@code dependency}; the domain's exceptions pass unchanged.
   */
  static <T> T translated(String dependency, Supplier<T> call) {
    try {
      return call.get();
    } catch (SdkException e) {
      throw translate(dependency, e);
    }
  }

  /** Runs {@code call}, translating its SDK exceptions as {@link #translated(String, Supplier)}. */
  static void translated(String dependency, Runnable call) {
    try {
      call.run();
    } catch (SdkException e) {
      throw translate(dependency, e);
    }
  }

  static Reason reasonOf(SdkException failure) {
    if (failure instanceof AwsServiceException aws) {
      int status = aws.statusCode();
      if (aws.isThrottlingException() || status == 429) {
        return Reason.THROTTLED;
      }
      if (status >= 500 || status == 0 || aws.retryable()) {
        return Reason.UNAVAILABLE;
      }
      return Reason.REJECTED;
    }
    // SdkClientException and the rest: no answer (refused, timed out, interrupted I/O).
    return Reason.UNAVAILABLE;
  }
}
