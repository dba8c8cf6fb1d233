package dev.uplink.core.config;

import static dev.uplink.core.config.Setting.text;
import static dev.uplink.core.config.Setting.url;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the AWS services are and which resources Uplink uses. An empty endpoint means real AWS.
 *
 * @param region the AWS region
 * @param s3Endpoint S3 endpoint override (path-style addressing is used when set)
 * @param sqsEndpoint SQS endpoint override
 * @param dynamoDbEndpoint DynamoDB endpoint override
 * @param bucket the bucket uploads wait in
 * @param queue the work queue's name
 * @param deadLetterQueue the dead-letter queue's name
 * @param table the task table's name
 */
public record AwsSettings(
    String region,
    Optional<URI> s3Endpoint,
    Optional<URI> sqsEndpoint,
    Optional<URI> dynamoDbEndpoint,
    String bucket,
    String queue,
    String deadLetterQueue,
    String table) {

  public AwsSettings {
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(s3Endpoint, "s3Endpoint");
    Objects.requireNonNull(sqsEndpoint, "sqsEndpoint");
    Objects.requireNonNull(dynamoDbEndpoint, "dynamoDbEndpoint");
    Objects.requireNonNull(bucket, "bucket");
    Objects.requireNonNull(queue, "queue");
    Objects.requireNonNull(deadLetterQueue, "deadLetterQueue");
    Objects.requireNonNull(table, "table");
  }

  /** Reads where AWS is and which resources to use; unset names take their documented defaults. */
  static AwsSettings read(Environment env) {
    return new AwsSettings(
        region(env),
        env.find(url("UPLINK_S3_ENDPOINT")),
        env.find(url("UPLINK_SQS_ENDPOINT")),
        env.find(url("UPLINK_DYNAMODB_ENDPOINT")),
        env.read(text("UPLINK_BUCKET").orElse("uplink-uploads")),
        env.read(text("UPLINK_QUEUE").orElse("uplink-tasks")),
        env.read(text("UPLINK_DLQ").orElse("uplink-tasks-dlq")),
        env.read(text("UPLINK_TABLE").orElse("uplink-tasks")));
  }

  /** {@code AWS_REGION}, else {@code AWS_DEFAULT_REGION}, else {@code us-east-1}. */
  static String region(Environment env) {
    return env.find(text("AWS_REGION"))
        .orElseGet(() -> env.read(text("AWS_DEFAULT_REGION").orElse("us-east-1")));
  }

  /** The same resources behind other endpoints (all three the same URL, as an emulator host). */
  public AwsSettings withEndpoints(URI s3, URI sqs, URI dynamoDb) {
    return new AwsSettings(
        region,
        Optional.of(s3),
        Optional.of(sqs),
        Optional.of(dynamoDb),
        bucket,
        queue,
        deadLetterQueue,
        table);
  }
}
