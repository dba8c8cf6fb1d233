package dev.uplink.processor.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.domain.DependencyException;
import dev.uplink.processor.FakeSqsClient;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.GetQueueAttributesRequest;
import software.amazon.awssdk.services.sqs.model.GetQueueAttributesResponse;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SqsException;

/** The poller's door to SQS: what it receives, and SQS's failures in the domain's words. */
class SqsWorkQueueTest {

  private final FakeSqsClient sqs = new FakeSqsClient();

  @Test
  void givenAMessage_whenReceived_thenItsDeliveryCarriesTheReceiveCountAndGroup() {
    sqs.send("m1", "{\"task_id\":\"x\"}", 3, "web");
    try (var queue = new SqsWorkQueue(sqs, "q")) {

      var received = queue.receive(10, Duration.ZERO, Duration.ofSeconds(30));

      assertThat(received)
          .singleElement()
          .satisfies(
              m -> {
                assertThat(m.messageId()).isEqualTo("m1");
                assertThat(m.delivery().receiveCount()).isEqualTo(3);
                assertThat(m.delivery().messageGroupId()).isEqualTo(Optional.of("web"));
                assertThat(m.receiptHandle()).isNotBlank();
              });
    }
  }

  @Test
  void givenSqsFailing_whenReceiving_thenADependencyExceptionThatKeepsTheCause() {
    sqs.failNextReceives(1);
    try (var queue = new SqsWorkQueue(sqs, "q")) {

      assertThatThrownBy(() -> queue.receive(1, Duration.ZERO, Duration.ofSeconds(30)))
          .isInstanceOf(DependencyException.class)
          .hasMessageContaining("SQS queue q")
          .satisfies(e -> assertThat(((DependencyException) e).isTransient()).isTrue())
          .hasCauseInstanceOf(software.amazon.awssdk.core.exception.SdkClientException.class);
    }
  }

  @Test
  void givenARedrivePolicyWithANumberOrAString_whenRead_thenItsMaxReceiveCount() {
    assertThat(redrive("{\"deadLetterTargetArn\":\"arn:x\",\"maxReceiveCount\":7}"))
        .isEqualTo(OptionalInt.of(7));
    assertThat(redrive("{\"deadLetterTargetArn\":\"arn:x\",\"maxReceiveCount\":\"4\"}"))
        .isEqualTo(OptionalInt.of(4));
    assertThat(redrive(null)).isEmpty();
  }

  @Test
  void givenAccessDenied_whenReadingTheRedrivePolicy_thenAPermanentDependencyException() {
    SqsClient denied =
        new SqsClient() {
          @Override
          public GetQueueAttributesResponse getQueueAttributes(GetQueueAttributesRequest r) {
            throw (SqsException)
                SqsException.builder()
                    .statusCode(403)
                    .awsErrorDetails(AwsErrorDetails.builder().errorCode("AccessDenied").build())
                    .message("AccessDenied")
                    .build();
          }

          @Override
          public String serviceName() {
            return "sqs";
          }

          @Override
          public void close() {}
        };
    try (var queue = new SqsWorkQueue(denied, "q")) {

      assertThatThrownBy(queue::redriveMaxReceiveCount)
          .isInstanceOf(DependencyException.class)
          .satisfies(e -> assertThat(((DependencyException) e).isTransient()).isFalse());
    }
  }

  private static OptionalInt redrive(String policy) {
    SqsClient client =
        new SqsClient() {
          @Override
          public GetQueueAttributesResponse getQueueAttributes(GetQueueAttributesRequest r) {
            return GetQueueAttributesResponse.builder()
                .attributes(
                    policy == null ? Map.of() : Map.of(QueueAttributeName.REDRIVE_POLICY, policy))
                .build();
          }

          @Override
          public String serviceName() {
            return "sqs";
          }

          @Override
          public void close() {}
        };
    try (var queue = new SqsWorkQueue(client, "q")) {
      return queue.redriveMaxReceiveCount();
    }
  }
}
