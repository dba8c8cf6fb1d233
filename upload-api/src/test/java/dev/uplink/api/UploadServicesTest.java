package dev.uplink.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.domain.DependencyException;
import dev.uplink.core.domain.DependencyException.Reason;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * Which failures of the AWS services the API answers with 503 (retry later) and which with 500 (a
 * bug, or a request AWS refuses): the same whether an adapter translated the SDK's exception into a
 * {@link DependencyException} or let it through.
 */
class UploadServicesTest {

  private static boolean isOutage(Throwable failure) {
    return UploadServices.AWS_OUTAGES.isOutage(
        new DependencyFailedException("task store", Optional.empty(), (RuntimeException) failure));
  }

  private static AwsServiceException aws(int status, String code) {
    return AwsServiceException.builder()
        .statusCode(status)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).build())
        .build();
  }

  @Test
  void aTransientDependencyFailureIsAnOutage() {
    assertThat(isOutage(new DependencyException("t", Reason.THROTTLED, null))).isTrue();
    assertThat(isOutage(new DependencyException("t", Reason.UNAVAILABLE, null))).isTrue();
  }

  @Test
  void aRefusedRequestIsNoOutageEvenWhenItsCauseLooksLikeOne() {
    var refused =
        new DependencyException(
            "t", Reason.REJECTED, new UncheckedIOException(new ConnectException("x")));

    assertThat(isOutage(refused)).isFalse();
  }

  @Test
  void anSdkFailureNoAdapterTranslatedIsABugNotAnOutage() {
    // Every core/aws adapter translates (AwsAdapterFailuresTest): one that escapes is a defect,
    // answered 500 with an incident id rather than hidden behind a 503.
    assertThat(isOutage(aws(500, "InternalError"))).isFalse();
  }

  @Test
  void aBugIsNoOutage() {
    assertThat(isOutage(new IllegalStateException("Task item 01X is malformed"))).isFalse();
  }

  @Test
  void aNetworkFailureOfAnyOtherDependencyIsAnOutage() {
    assertThat(isOutage(new UncheckedIOException(new ConnectException("refused")))).isTrue();
  }
}
