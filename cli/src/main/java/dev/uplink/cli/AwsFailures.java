package dev.uplink.cli;

import dev.uplink.core.config.AwsSettings;
import dev.uplink.core.domain.DependencyException;
import java.net.URI;
import java.util.Optional;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * What an AWS SDK failure of an operator command means, in one line that names the setting to
 * check. The SDK's own messages are long, several lines, and name no setting of ours.
 */
final class AwsFailures {

  private AwsFailures() {}

  /**
   * Whether {@code failure} is AWS's: an SDK exception, or one an adapter translated into a {@link
   * DependencyException}.
   */
  static boolean isAwsFailure(Throwable failure) {
    return failure instanceof SdkException || failure instanceof DependencyException;
  }

  /**
   * One line for {@code failure} (see {@link #isAwsFailure}), which happened talking to the
   * resources {@code aws} names. A translated failure is described by the SDK's exception it keeps,
   * which says more (which resource is missing) than whether it was transient.
   */
  static String describe(RuntimeException failure, AwsSettings aws) {
    if (failure instanceof DependencyException translated) {
      return translated.getCause() instanceof SdkException sdk
          ? describeSdk(sdk, aws)
          : Problem.oneLine(translated.getMessage());
    }
    if (failure instanceof SdkException sdk) {
      return describeSdk(sdk, aws);
    }
    throw new IllegalArgumentException("Not an AWS failure: " + failure, failure);
  }

  private static String describeSdk(SdkException failure, AwsSettings aws) {
    if (failure instanceof QueueDoesNotExistException) {
      return "the queue %s or %s does not exist in %s: check UPLINK_QUEUE, UPLINK_DLQ and AWS_REGION"
          .formatted(aws.queue(), aws.deadLetterQueue(), where(aws.sqsEndpoint(), "SQS", aws));
    }
    if (failure instanceof ResourceNotFoundException) {
      return "the table %s does not exist in %s: check UPLINK_TABLE and AWS_REGION"
          .formatted(aws.table(), where(aws.dynamoDbEndpoint(), "DynamoDB", aws));
    }
    if (failure instanceof AwsServiceException refused) {
      var details = refused.awsErrorDetails();
      String service = details == null ? "AWS" : details.serviceName();
      String code = details == null ? "" : details.errorCode() + ": ";
      String message = details == null ? refused.getMessage() : details.errorMessage();
      return "%s refused the request: %s%s (HTTP %d)"
          .formatted(service, code, Problem.oneLine(String.valueOf(message)), refused.statusCode());
    }
    String message = String.valueOf(failure.getMessage());
    if (failure instanceof SdkClientException && message.startsWith("Unable to load credentials")) {
      return "no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and"
          + " AWS_SECRET_ACCESS_KEY (for the local stack, the export lines `uplink local` prints)";
    }
    return "cannot reach SQS or DynamoDB (%s, %s): %s"
        .formatted(
            where(aws.sqsEndpoint(), "SQS", aws),
            where(aws.dynamoDbEndpoint(), "DynamoDB", aws),
            Problem.oneLine(message));
  }

  private static String where(Optional<URI> endpoint, String service, AwsSettings aws) {
    return endpoint
        .map(uri -> service + " at " + uri)
        .orElse(service + " in region " + aws.region());
  }
}
