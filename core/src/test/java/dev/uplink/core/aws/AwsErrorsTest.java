package dev.uplink.core.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.domain.DependencyException.Reason;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

class AwsErrorsTest {

  private static AwsServiceException answered(int status, String code) {
    return AwsServiceException.builder()
        .statusCode(status)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage("m").build())
        .build();
  }

  @Test
  void throttlingIsTransientThrottled() {
    var e = AwsErrors.translate("DynamoDB table t", answered(400, "ThrottlingException"));
    assertThat(e.reason()).isEqualTo(Reason.THROTTLED);
    assertThat(e.isTransient()).isTrue();
    assertThat(AwsErrors.translate("x", answered(429, "TooMany")).reason())
        .isEqualTo(Reason.THROTTLED);
  }

  @Test
  void serverErrorsAndNoAnswerAreUnavailable() {
    assertThat(AwsErrors.translate("x", answered(503, "ServiceUnavailable")).reason())
        .isEqualTo(Reason.UNAVAILABLE);
    var refused = SdkClientException.create("Unable to execute HTTP request: Connection refused");
    var e = AwsErrors.translate("SQS queue q", refused);
    assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
    assertThat(e).hasCause(refused).hasMessageContaining("SQS queue q is unavailable");
  }

  @Test
  void otherClientErrorsAreRejectedAndPermanent() {
    var e = AwsErrors.translate("S3 bucket b", answered(403, "AccessDenied"));
    assertThat(e.reason()).isEqualTo(Reason.REJECTED);
    assertThat(e.isTransient()).isFalse();
  }
}
