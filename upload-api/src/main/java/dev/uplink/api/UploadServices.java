package dev.uplink.api;

import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.aws.DynamoDbTaskStore;
import dev.uplink.core.aws.S3ObjectStore;
import dev.uplink.core.aws.SqsTaskQueue;
import dev.uplink.core.config.UplinkConfig;
import java.time.Clock;

/** Builds the {@link UploadService} on the AWS adapters: the one place that names them. */
public final class UploadServices {

  private UploadServices() {}

  /** The service over S3, DynamoDB and SQS as {@code config} names them, using {@code clients}. */
  public static UploadService onAws(UplinkConfig config, AwsClients clients) {
    return new UploadService(
        new DynamoDbTaskStore(clients.dynamoDb(), config.aws().table()),
        new S3ObjectStore(clients.s3(), config.aws().bucket(), config.partSizeBytes()),
        new SqsTaskQueue(clients.sqs(), clients.queueUrl()),
        Clock.systemUTC());
  }
}
