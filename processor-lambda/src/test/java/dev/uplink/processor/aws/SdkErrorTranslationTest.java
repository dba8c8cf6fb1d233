package dev.uplink.processor.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.domain.DependencyException;
import dev.uplink.core.domain.ObjectMissingException;
import dev.uplink.core.domain.ObjectStore;
import dev.uplink.processor.FailureClassifier;
import dev.uplink.processor.FailureClassifier.Failure;
import dev.uplink.processor.FailureClassifier.Kind;
import dev.uplink.processor.InMemoryObjectStore;
import java.io.InputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * The AWS cells of the error taxonomy: an SDK exception leaving a core adapter reaches the worker
 * as a {@link DependencyException}, classified with the same codes as before the translation.
 */
class SdkErrorTranslationTest {

  static Stream<Arguments> cells() {
    return Stream.of(
        Arguments.of(
            "S3 throttling (503 SlowDown)",
            aws(S3Exception.builder(), 503, "SlowDown"),
            Kind.TRANSIENT,
            FailureClassifier.AWS_THROTTLED),
        Arguments.of(
            "DynamoDB throttling",
            aws(
                ProvisionedThroughputExceededException.builder(),
                400,
                "ProvisionedThroughputExceededException"),
            Kind.TRANSIENT,
            FailureClassifier.AWS_THROTTLED),
        Arguments.of(
            "SQS throttling (429)",
            aws(AwsServiceException.builder(), 429, "RequestThrottled"),
            Kind.TRANSIENT,
            FailureClassifier.AWS_THROTTLED),
        Arguments.of(
            "S3 500 InternalError",
            aws(S3Exception.builder(), 500, "InternalError"),
            Kind.TRANSIENT,
            FailureClassifier.AWS_UNAVAILABLE),
        Arguments.of(
            "AWS no answer (connection refused)",
            SdkClientException.create("Unable to execute HTTP request: Connection refused"),
            Kind.TRANSIENT,
            FailureClassifier.AWS_UNAVAILABLE),
        Arguments.of(
            "S3 403 AccessDenied",
            aws(S3Exception.builder(), 403, "AccessDenied"),
            Kind.PERMANENT,
            FailureClassifier.AWS_REJECTED),
        Arguments.of(
            "SQS queue does not exist",
            aws(
                QueueDoesNotExistException.builder(),
                400,
                "AWS.SimpleQueueService.NonExistentQueue"),
            Kind.PERMANENT,
            FailureClassifier.AWS_REJECTED));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cells")
  void givenAnAdapterThrowingAnSdkException_whenCalledThroughItsPort_thenTranslatedAndClassified(
      String cell, SdkException thrown, Kind kind, String code) {
    ObjectStore store =
        SdkErrorTranslation.translating(ObjectStore.class, failingWith(thrown), "S3 bucket b");

    Throwable caught = catchFrom(() -> store.delete("k"));

    assertThat(caught).isInstanceOf(DependencyException.class).hasCause(thrown);
    assertThat(caught).hasMessageContaining("S3 bucket b");
    Failure failure = FailureClassifier.classify(caught);
    assertThat(failure.kind()).as(cell).isEqualTo(kind);
    assertThat(failure.error().code()).as(cell).isEqualTo(code);
  }

  @Test
  void givenADomainException_whenCalledThroughItsPort_thenItPassesUnchanged() {
    ObjectStore store =
        SdkErrorTranslation.translating(ObjectStore.class, new InMemoryObjectStore(), "S3");

    assertThatThrownBy(() -> store.open("no/such/key")).isInstanceOf(ObjectMissingException.class);
  }

  private static Throwable catchFrom(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      return e;
    }
    throw new AssertionError("nothing thrown");
  }

  private static ObjectStore failingWith(RuntimeException failure) {
    return new ObjectStore() {
      @Override
      public long put(String key, InputStream content) {
        throw failure;
      }

      @Override
      public StoredObject open(String key) {
        throw failure;
      }

      @Override
      public void delete(String key) {
        throw failure;
      }
    };
  }

  private static AwsServiceException aws(
      AwsServiceException.Builder builder, int status, String errorCode) {
    return builder
        .statusCode(status)
        .message(errorCode + " (test)")
        .awsErrorDetails(
            AwsErrorDetails.builder().errorCode(errorCode).errorMessage("test").build())
        .build();
  }
}
