package dev.uplink.core.aws;

import dev.uplink.core.config.AwsSettings;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The three AWS clients Uplink uses, built once from {@link AwsSettings} and shared. They use the
 * JDK's URLConnection HTTP client: small, quick to start (it matters on Lambda), and explicit,
 * since emulator jars on the classpath would otherwise make the SDK's choice ambiguous.
 */
public final class AwsClients implements AutoCloseable {

  private final AwsSettings settings;
  private final Optional<AwsCredentialsProvider> credentials;
  private final SdkHttpClient http;
  private final S3Client s3;
  private final SqsClient sqs;
  private final DynamoDbClient dynamoDb;

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
            .build();
    this.sqs = configure(SqsClient.builder(), settings.sqsEndpoint()).build();
    this.dynamoDb = configure(DynamoDbClient.builder(), settings.dynamoDbEndpoint()).build();
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

  public SqsClient sqs() {
    return sqs;
  }

  public DynamoDbClient dynamoDb() {
    return dynamoDb;
  }

  /** The work queue's URL, looked up by name. */
  public String queueUrl() {
    return sqs.getQueueUrl(r -> r.queueName(settings.queue())).queueUrl();
  }

  /** The dead-letter queue's URL, looked up by name. */
  public String deadLetterQueueUrl() {
    return sqs.getQueueUrl(r -> r.queueName(settings.deadLetterQueue())).queueUrl();
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
    sqs.close();
    dynamoDb.close();
    http.close();
  }
}
