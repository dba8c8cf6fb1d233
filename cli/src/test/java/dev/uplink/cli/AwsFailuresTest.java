package dev.uplink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.config.AwsSettings;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.domain.DependencyException;
import java.net.ConnectException;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

@DisplayName("An AWS failure of an operator command, in one line")
class AwsFailuresTest {

  private static final AwsSettings ON_AWS = UplinkConfig.fromEnvironment(Map.of()).aws();
  private static final AwsSettings LOCAL =
      ON_AWS.withEndpoints(
          URI.create("http://127.0.0.1:4566"),
          URI.create("http://127.0.0.1:9324"),
          URI.create("http://127.0.0.1:8000"));

  @Test
  @DisplayName("names the queues and the variables to check when a queue does not exist")
  void missingQueue() {
    var failure = QueueDoesNotExistException.builder().message("The queue does not exist").build();

    assertThat(AwsFailures.describe(failure, ON_AWS))
        .isEqualTo(
            "the queue uplink-tasks or uplink-tasks-dlq does not exist in SQS in region us-east-1:"
                + " check UPLINK_QUEUE, UPLINK_DLQ and AWS_REGION");
  }

  @Test
  @DisplayName("names the table, and the endpoint it asked, when the table does not exist")
  void missingTable() {
    var failure = ResourceNotFoundException.builder().message("Cannot do operations").build();

    assertThat(AwsFailures.describe(failure, LOCAL))
        .isEqualTo(
            "the table uplink-tasks does not exist in DynamoDB at http://127.0.0.1:8000: check"
                + " UPLINK_TABLE and AWS_REGION");
  }

  @Test
  @DisplayName("gives the service, its error code and message, and the status of a refusal")
  void refused() {
    var failure =
        AwsServiceException.builder()
            .awsErrorDetails(
                AwsErrorDetails.builder()
                    .serviceName("Sqs")
                    .errorCode("AccessDenied")
                    .errorMessage("User: arn:aws:iam::1:user/op is not authorized\nto do it")
                    .build())
            .statusCode(403)
            .build();

    assertThat(AwsFailures.describe(failure, ON_AWS))
        .isEqualTo(
            "Sqs refused the request: AccessDenied: User: arn:aws:iam::1:user/op is not"
                + " authorized to do it (HTTP 403)");
  }

  @Test
  @DisplayName("says how to give credentials when there are none")
  void noCredentials() {
    var failure =
        SdkClientException.create(
            "Unable to load credentials from any of the providers in the chain"
                + " AwsCredentialsProviderChain(credentialsProviders=[...]) : [...]");

    assertThat(AwsFailures.describe(failure, ON_AWS))
        .startsWith("no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and")
        .contains("the export lines `uplink local` prints");
  }

  @Test
  @DisplayName("names the endpoints it could not reach")
  void unreachable() {
    var failure =
        SdkClientException.create(
            "Unable to execute HTTP request: Connection refused", new ConnectException("refused"));

    assertThat(AwsFailures.describe(failure, LOCAL))
        .isEqualTo(
            "cannot reach SQS or DynamoDB (SQS at http://127.0.0.1:9324, DynamoDB at"
                + " http://127.0.0.1:8000): Unable to execute HTTP request: Connection refused");
  }

  @Test
  @DisplayName("describes a failure the adapter translated as the SDK's own")
  void translatedByTheAdapter() {
    var missing = QueueDoesNotExistException.builder().message("The queue does not exist").build();
    var translated =
        new DependencyException(
            "SQS queue uplink-tasks", DependencyException.Reason.REJECTED, missing);

    assertThat(AwsFailures.isAwsFailure(translated)).isTrue();
    assertThat(AwsFailures.describe(translated, ON_AWS))
        .isEqualTo(AwsFailures.describe(missing, ON_AWS));
  }

  @Test
  @DisplayName("gives the adapter's words for a translated failure without the SDK's")
  void translatedWithoutCause() {
    var translated =
        new DependencyException(
            "DynamoDB table uplink-tasks", DependencyException.Reason.THROTTLED, null);

    assertThat(AwsFailures.describe(translated, ON_AWS))
        .isEqualTo("DynamoDB table uplink-tasks is throttling requests");
  }

  @Test
  @DisplayName("knows an SDK failure, and nothing else, as an AWS failure")
  void whatIsAnAwsFailure() {
    assertThat(AwsFailures.isAwsFailure(SdkClientException.create("refused"))).isTrue();
    assertThat(AwsFailures.isAwsFailure(new IllegalStateException("a bug"))).isFalse();
  }
}
