package dev.uplink.core.aws;

import dev.uplink.core.config.AwsSettings;
import dev.uplink.core.health.ReadinessCheck;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The three AWS clients Uplink uses, and the S3 presigner, built once from {@link AwsSettings} and
 * shared. They use the JDK's URLConnection HTTP client: small, quick to start (it matters on
 * Lambda), and explicit, since emulator jars on the classpath would otherwise make the SDK's choice
 * ambiguous.
 *
 * <p>Every client has bounded API call timeouts, so an AWS endpoint that is down or hangs fails the
 * call within seconds instead of holding a request thread or a worker forever; the SDK's own
 * defaults wait without limit.
 */
public final class AwsClients implements AutoCloseable {

  /**
   * One DynamoDB attempt: its calls are single-item reads and writes that take milliseconds, so a
   * hung endpoint shows within seconds.
   */
  static final Duration DYNAMODB_ATTEMPT_TIMEOUT = Duration.ofSeconds(5);

  /** A whole DynamoDB call, retries included: three attempts and their back-off. */
  static final Duration DYNAMODB_CALL_TIMEOUT = Duration.ofSeconds(15);

  /**
   * One SQS attempt: a long-polling ReceiveMessage legitimately waits up to 20 s (SQS's maximum)
   * for messages, so the bound is that plus a margin; shorter calls just finish sooner.
   */
  static final Duration SQS_ATTEMPT_TIMEOUT = Duration.ofSeconds(25);

  /** A whole SQS call, retries included: one full long poll and a quick retry fit. */
  static final Duration SQS_CALL_TIMEOUT = Duration.ofSeconds(30);

  /**
   * One S3 attempt: an UploadPart carries up to 512 MiB (the largest configurable part), which
   * needs about 4.5 MB/s to finish in time. Only the attempt is bounded, not the whole call, so a
   * retried big part gets the full time again. Reading a GetObject stream is not covered: the call
   * ends when the response headers arrive, and the HTTP client's socket timeout guards the reads.
   */
  static final Duration S3_ATTEMPT_TIMEOUT = Duration.ofSeconds(120);

  private final AwsSettings settings;
  private final Optional<AwsCredentialsProvider> credentials;
  private final SdkHttpClient http;
  private final S3Client s3;
  private final S3Presigner presigner;
  private final SqsClient sqs;
  private final DynamoDbClient dynamoDb;
  private DynamoDbStreamsClient dynamoDbStreams; // made on first use: few processes read streams

  private AwsClients(AwsSettings settings, Optional<AwsCredentialsProvider> credentials) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.credentials = credentials;
    this.http =
        UrlConnectionHttpClient.builder()
            .connectionTimeout(Duration.ofSeconds(5))
            .socketTimeout(Duration.ofSeconds(60))
            .build();
    this.s3 =
        configure(S3Client.builder(), settings.s3Endpoint())
            .forcePathStyle(settings.s3Endpoint().isPresent())
            // Many S3-compatible stores reject the SDK's default CRC32 trailers.
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .overrideConfiguration(c -> c.apiCallAttemptTimeout(S3_ATTEMPT_TIMEOUT))
            .build();
    this.presigner = presigner(settings, credentials);
    this.sqs =
        configure(SqsClient.builder(), settings.sqsEndpoint())
            .overrideConfiguration(timeouts(SQS_ATTEMPT_TIMEOUT, SQS_CALL_TIMEOUT))
            .build();
    this.dynamoDb =
        configure(DynamoDbClient.builder(), settings.dynamoDbEndpoint())
            .overrideConfiguration(timeouts(DYNAMODB_ATTEMPT_TIMEOUT, DYNAMODB_CALL_TIMEOUT))
            .build();
  }

  /**
   * Signs URLs locally (no network): same region, endpoint and credentials as the S3 client, and
   * path-style URLs under an endpoint override, like the client, since emulators have no per-bucket
   * host names.
   */
  private static S3Presigner presigner(
      AwsSettings settings, Optional<AwsCredentialsProvider> credentials) {
    S3Presigner.Builder builder =
        S3Presigner.builder()
            .region(Region.of(settings.region()))
            .serviceConfiguration(
                S3Configuration.builder()
                    .pathStyleAccessEnabled(settings.s3Endpoint().isPresent())
                    .build());
    settings.s3Endpoint().ifPresent(builder::endpointOverride);
    credentials.ifPresent(builder::credentialsProvider);
    return builder.build();
  }

  private static ClientOverrideConfiguration timeouts(Duration attempt, Duration call) {
    return ClientOverrideConfiguration.builder()
        .apiCallAttemptTimeout(attempt)
        .apiCallTimeout(call)
        .build();
  }

  /** Clients that find credentials the SDK's usual way (environment, profile, instance role). */
  public static AwsClients create(AwsSettings settings) {
    return new AwsClients(settings, Optional.empty());
  }

  /**
   * Clients that sign with the given credentials, such as an emulator's fixed key: nothing global
   * (system properties, environment) has to change for them.
   */
  public static AwsClients create(AwsSettings settings, AwsCredentialsProvider credentials) {
    return new AwsClients(settings, Optional.of(credentials));
  }

  public AwsSettings settings() {
    return settings;
  }

  public S3Client s3() {
    return s3;
  }

  /** Presigns S3 requests for clients that talk to the bucket directly. */
  public S3Presigner presigner() {
    return presigner;
  }

  public SqsClient sqs() {
    return sqs;
  }

  public DynamoDbClient dynamoDb() {
    return dynamoDb;
  }

  /**
   * The task table's change stream reader (same endpoint as DynamoDB under an override: the
   * emulators serve both).
   */
  public synchronized DynamoDbStreamsClient dynamoDbStreams() {
    if (dynamoDbStreams == null) {
      dynamoDbStreams =
          configure(DynamoDbStreamsClient.builder(), settings.dynamoDbEndpoint())
              .overrideConfiguration(timeouts(DYNAMODB_ATTEMPT_TIMEOUT, DYNAMODB_CALL_TIMEOUT))
              .build();
    }
    return dynamoDbStreams;
  }

  /** The work queue's URL, looked up by name. */
  public String queueUrl() {
    return AwsErrors.translated(
        "SQS queue " + settings.queue(),
        () -> sqs.getQueueUrl(r -> r.queueName(settings.queue())).queueUrl());
  }

  /** The dead-letter queue's URL, looked up by name. */
  public String deadLetterQueueUrl() {
    return AwsErrors.translated(
        "SQS queue " + settings.deadLetterQueue(),
        () -> sqs.getQueueUrl(r -> r.queueName(settings.deadLetterQueue())).queueUrl());
  }

  private <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(
      B builder, Optional<URI> endpoint) {
    endpoint.ifPresent(builder::endpointOverride);
    credentials.ifPresent(builder::credentialsProvider);
    return builder.region(Region.of(settings.region())).httpClient(http);
  }

  @Override
  public void close() {
    s3.close();
    presigner.close();
    sqs.close();
    dynamoDb.close();
    synchronized (this) {
      if (dynamoDbStreams != null) {
        dynamoDbStreams.close();
      }
    }
    http.close();
  }

  /**
   * What every process that uses these clients needs to answer, in this order, each one cheap read:
   * the bucket ({@code s3}), the work queue ({@code sqs}) and the table ({@code dynamodb}). The API
   * serves these; the processor adds its push target.
   */
  public List<ReadinessCheck> readinessChecks() {
    return List.of(
        new ReadinessCheck("s3", () -> s3().headBucket(r -> r.bucket(settings().bucket()))),
        new ReadinessCheck(
            "sqs",
            () ->
                sqs()
                    .getQueueAttributes(
                        r -> r.queueUrl(queueUrl()).attributeNames(QueueAttributeName.QUEUE_ARN))),
        new ReadinessCheck(
            "dynamodb", () -> dynamoDb().describeTable(r -> r.tableName(settings().table()))));
  }
}
