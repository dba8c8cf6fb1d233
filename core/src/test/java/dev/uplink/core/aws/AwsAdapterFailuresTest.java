package dev.uplink.core.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.domain.DependencyException;
import dev.uplink.core.domain.DependencyException.Reason;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.ObjectMissingException;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.testing.MotoServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The adapters speak the domain's language when AWS fails: a real emulator (moto) refuses or a
 * closed port does not answer, and what comes out is a {@link DependencyException} naming the
 * table, bucket or queue as an operator knows it, transient or not, with the SDK's exception as its
 * cause. The domain's own refusals (a missing object) are unchanged, and a malformed item is a
 * defect, not an outage.
 */
class AwsAdapterFailuresTest {

  private static final String TABLE = "uplink-tasks";

  private static MotoServer moto;
  private static URI closedPort;

  @BeforeAll
  static void start() throws IOException {
    moto = MotoServer.require();
    try (var socket = new ServerSocket(0)) {
      closedPort = URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }
  }

  @AfterAll
  static void stop() {
    if (moto != null) {
      moto.close();
    }
  }

  /** A client of {@code endpoint} that does not retry: the adapters' translation is under test. */
  private static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C client(
      B builder, URI endpoint) {
    return builder
        .endpointOverride(endpoint)
        .region(Region.of(MotoServer.REGION))
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .httpClient(UrlConnectionHttpClient.create())
        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
        .build();
  }

  private static DynamoDbClient dynamoDb(URI endpoint) {
    return client(DynamoDbClient.builder(), endpoint);
  }

  private static S3Client s3(URI endpoint) {
    return client(S3Client.builder().forcePathStyle(true), endpoint);
  }

  private static S3Presigner presigner() {
    return S3Presigner.builder()
        .region(Region.of(MotoServer.REGION))
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .build();
  }

  private static SqsClient sqs(URI endpoint) {
    return client(SqsClient.builder(), endpoint);
  }

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /**
   * Asserts {@code call} fails as {@code dependency}, for {@code reason}, keeping the SDK's cause.
   */
  private static void assertFailsAs(
      ThrowingCallable call,
      String dependency,
      Reason reason,
      Class<? extends Throwable> sdkCause) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            DependencyException.class,
            e -> {
              assertThat(e.dependency()).isEqualTo(dependency);
              assertThat(e.reason()).isEqualTo(reason);
              assertThat(e.isTransient()).isEqualTo(reason != Reason.REJECTED);
            })
        .hasMessageStartingWith(dependency)
        .hasCauseInstanceOf(sdkCause);
  }

  @Nested
  class TaskStore {

    @Test
    void givenNothingListening_whenATaskIsRead_thenTheTableIsUnavailable() {
      var store = new DynamoDbTaskStore(dynamoDb(closedPort), TABLE);

      assertFailsAs(
          () -> store.find(TaskId.newId()),
          "DynamoDB table " + TABLE,
          Reason.UNAVAILABLE,
          SdkClientException.class);
    }

    @Test
    void givenNoSuchTable_whenATaskIsClaimed_thenTheRequestIsRejected() {
      String missing = unique("no-such-table");
      var store = new DynamoDbTaskStore(dynamoDb(moto.endpoint()), missing);

      assertFailsAs(
          () -> store.claim(TaskId.newId(), Instant.now(), Duration.ofMinutes(1)),
          "DynamoDB table " + missing,
          Reason.REJECTED,
          AwsServiceException.class);
      assertFailsAs(
          () -> store.findStale(Instant.now(), Instant.now(), 10),
          "DynamoDB table " + missing,
          Reason.REJECTED,
          AwsServiceException.class);
    }

    @Test
    void givenAMalformedItem_whenRead_thenItIsADefectNamingTheAttributeNotAnOutage() {
      String table = unique("tasks");
      DynamoDbClient dynamoDb = dynamoDb(moto.endpoint());
      dynamoDb.createTable(TaskTable.definition(table));
      TaskId id = TaskId.newId();
      dynamoDb.putItem(
          r -> r.tableName(table).item(Map.of("id", AttributeValue.fromS(id.value()))));

      assertThatThrownBy(() -> new DynamoDbTaskStore(dynamoDb, table).find(id))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(table)
          .hasMessageContaining("is missing");
    }
  }

  @Nested
  class ObjectStore {

    @Test
    void givenNoSuchBucket_whenAnObjectIsStored_thenTheRequestIsRejected() {
      String bucket = unique("no-such-bucket");
      var objects = new S3ObjectStore(s3(moto.endpoint()), bucket, S3ObjectStore.MIN_PART_SIZE);

      assertFailsAs(
          () -> objects.put("k", new ByteArrayInputStream(new byte[] {1, 2, 3})),
          "S3 bucket " + bucket,
          Reason.REJECTED,
          AwsServiceException.class);
    }

    @Test
    void givenNothingListening_whenAnObjectIsOpened_thenTheBucketIsUnavailable() {
      var objects = new S3ObjectStore(s3(closedPort), "uploads", S3ObjectStore.MIN_PART_SIZE);

      assertFailsAs(
          () -> objects.open("k"),
          "S3 bucket uploads",
          Reason.UNAVAILABLE,
          SdkClientException.class);
      assertFailsAs(
          () -> objects.delete("k"),
          "S3 bucket uploads",
          Reason.UNAVAILABLE,
          SdkClientException.class);
    }

    @Test
    void givenAMissingObject_whenOpened_thenItIsStillTheDomainsObjectMissing() {
      String bucket = unique("uploads");
      S3Client s3 = s3(moto.endpoint());
      s3.createBucket(r -> r.bucket(bucket));
      var objects = new S3ObjectStore(s3, bucket, S3ObjectStore.MIN_PART_SIZE);

      assertThatThrownBy(() -> objects.open("absent")).isInstanceOf(ObjectMissingException.class);
    }
  }

  @Nested
  class DirectUploads {

    @Test
    void givenNoSuchBucket_whenAMultipartUploadStarts_thenTheRequestIsRejected() {
      String bucket = unique("no-such-bucket");
      S3Client s3 = s3(moto.endpoint());
      var uploads = new S3DirectUploads(s3, presigner(), bucket);

      assertFailsAs(
          () -> uploads.startMultipart("k"),
          "S3 bucket " + bucket,
          Reason.REJECTED,
          AwsServiceException.class);
    }

    @Test
    void givenNothingListening_whenAnObjectIsInspected_thenTheBucketIsUnavailable() {
      var uploads = new S3DirectUploads(s3(closedPort), presigner(), "uploads");

      assertFailsAs(
          () -> uploads.inspect("k"),
          "S3 bucket uploads",
          Reason.UNAVAILABLE,
          SdkClientException.class);
    }
  }

  @Nested
  class Queues {

    @Test
    void givenNoSuchQueue_whenATaskIsPublished_thenTheRequestIsRejected() {
      String queueUrl = moto.endpoint() + "/" + MotoServer.ACCOUNT + "/" + unique("no-such-queue");
      var queue = new SqsTaskQueue(sqs(moto.endpoint()), queueUrl);

      assertFailsAs(
          () -> queue.publish(aTask()),
          "SQS queue " + queueUrl.substring(queueUrl.lastIndexOf('/') + 1),
          Reason.REJECTED,
          AwsServiceException.class);
    }

    @Test
    void givenNothingListening_whenATaskIsPublished_thenTheQueueIsUnavailable() {
      var queue =
          new SqsTaskQueue(sqs(closedPort), closedPort + "/" + MotoServer.ACCOUNT + "/work");

      assertFailsAs(
          () -> queue.publish(aTask()),
          "SQS queue work",
          Reason.UNAVAILABLE,
          SdkClientException.class);
    }

    @Test
    void givenNothingListening_whenTheDeadLetterQueueIsCounted_thenItIsUnavailable() {
      String base = closedPort + "/" + MotoServer.ACCOUNT + "/";
      var deadLetters = new SqsDeadLetterQueue(sqs(closedPort), base + "work", base + "work-dlq");

      assertFailsAs(
          deadLetters::depths, "SQS queue work", Reason.UNAVAILABLE, SdkClientException.class);
      assertFailsAs(
          () -> deadLetters.receive(10, Duration.ofSeconds(30)),
          "SQS queue work-dlq",
          Reason.UNAVAILABLE,
          SdkClientException.class);
    }

    private static UploadTask aTask() {
      return UploadTask.pending(
          TaskId.newId(),
          "alice",
          Destination.of("web-1", "/srv/a"),
          "uploads/a",
          1,
          "00",
          Instant.now());
    }
  }
}
