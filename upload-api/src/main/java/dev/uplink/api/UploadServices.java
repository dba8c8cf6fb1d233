package dev.uplink.api;

import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.aws.DynamoDbTaskStore;
import dev.uplink.core.aws.OperatorServices;
import dev.uplink.core.aws.S3DirectUploads;
import dev.uplink.core.aws.S3ObjectStore;
import dev.uplink.core.aws.SqsTaskQueue;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.operations.OperatorService;
import java.time.Clock;
import java.util.Optional;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

/** Builds the {@link UploadService} on the AWS adapters: the one place that names them. */
public final class UploadServices {

  /**
   * The AWS services' outages: no answer (the SDK's client-side failures: refused, reset, timed
   * out), a 5xx, or throttling; and {@link Outages#NETWORK} failures. A 4xx other than throttling
   * (a request AWS refuses) and anything not from the SDK (a malformed stored item) are bugs.
   */
  public static final Outages AWS_OUTAGES = UploadServices::isAwsOutage;

  private UploadServices() {}

  private static boolean isAwsOutage(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SdkClientException) {
        return true;
      }
      if (t instanceof AwsServiceException service) {
        int status = service.statusCode();
        return status >= 500 || status == 429 || status == 408 || service.isThrottlingException();
      }
    }
    return Outages.NETWORK.isOutage(failure);
  }

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
