package dev.uplink.api;

import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.aws.DynamoDbTaskStore;
import dev.uplink.core.aws.OperatorServices;
import dev.uplink.core.aws.S3DirectUploads;
import dev.uplink.core.aws.S3ObjectStore;
import dev.uplink.core.aws.SqsTaskQueue;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.domain.DependencyException;
import dev.uplink.core.operations.OperatorService;
import java.time.Clock;
import java.util.Optional;

/** Builds the {@link UploadService} on the AWS adapters: the one place that names them. */
public final class UploadServices {

  /**
   * The AWS services' outages: a transient {@link DependencyException} (throttling, no answer, a
   * 5xx) or a {@link Outages#NETWORK} failure; a REJECTED one (a request AWS refuses) and anything
   * else (a malformed stored item, a bug) are not.
   */
  public static final Outages AWS_OUTAGES = Outages.DEPENDENCIES;

  private UploadServices() {}

  /** The service over S3, DynamoDB and SQS as {@code config} names them, using {@code clients}. */
  public static UploadService onAws(UplinkConfig config, AwsClients clients) {
    String bucket = config.aws().bucket();
    return new UploadService(
        new DynamoDbTaskStore(
            clients.dynamoDb(), config.aws().table(), config.processing().taskRetention()),
        new S3ObjectStore(clients.s3(), bucket, config.partSizeBytes()),
        new SqsTaskQueue(clients.sqs(), clients.queueUrl()),
        Clock.systemUTC(),
        limits(config),
        Optional.of(S3DirectUploads.of(clients)),
        AWS_OUTAGES,
        config.security().sealer());
  }

  /** Presigned uploads on AWS, for the event and sweep handlers. */
  public static DirectUploadService directUploadsOnAws(UplinkConfig config) {
    return onAws(config).direct().orElseThrow();
  }

  /** The upload limits {@code config} sets. */
  public static UploadLimits limits(UplinkConfig config) {
    return new UploadLimits(
        config.api().maxUploadBytes(),
        config.api().presignExpiry(),
        UploadLimits.DEFAULT_PART_SIZE,
        config.api().uploadWindow());
  }

  /** The uploads and the operators' service of one API, on the same clients. */
  public record Services(UploadService uploads, OperatorService operators) {}

  /**
   * Both services on clients built from {@code config} that live as long as the process (a Lambda
   * container's).
   */
  public static Services servicesOnAws(UplinkConfig config) {
    AwsClients clients = AwsClients.create(config.aws());
    return new Services(onAws(config, clients), OperatorServices.onAws(config, clients));
  }

  /**
   * The service on clients built from {@code config} that live as long as the process (a Lambda
   * container's).
   */
  public static UploadService onAws(UplinkConfig config) {
    return onAws(config, AwsClients.create(config.aws()));
  }
}
