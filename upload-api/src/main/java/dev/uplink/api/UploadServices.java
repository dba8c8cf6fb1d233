package dev.uplink.api;

import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.aws.DynamoDbTaskStore;
import dev.uplink.core.aws.OperatorServices;
import dev.uplink.core.aws.S3DirectUploads;
import dev.uplink.core.aws.S3ObjectStore;
import dev.uplink.core.aws.SqsTaskQueue;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.domain.DependencyException;
import dev.uplink.core.health.Readiness;
import dev.uplink.core.operations.OperatorService;
import java.time.Clock;
import java.util.Objects;
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
        config.security().sealer(),
        new KnownRemotes(config.remotes().names()));
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
   * What a long-running API process ({@code uplink api}) serves, on clients it owns: closing it
   * closes them.
   *
   * @param uploads the upload use case
   * @param operators the operators' service
   * @param readiness what {@code /readyz} checks: the bucket, the work queue and the table
   * @param clients the AWS clients the three use
   */
  public record Hosted(
      UploadService uploads, OperatorService operators, Readiness readiness, AutoCloseable clients)
      implements AutoCloseable {

    public Hosted {
      Objects.requireNonNull(uploads, "uploads");
      Objects.requireNonNull(operators, "operators");
      Objects.requireNonNull(readiness, "readiness");
      Objects.requireNonNull(clients, "clients");
    }

    @Override
    public void close() throws Exception {
      clients.close();
    }
  }

  /**
   * Both services and the readiness checks of an API process, on clients built from {@code config}.
   */
  public static Hosted hostedOnAws(UplinkConfig config) {
    AwsClients clients = AwsClients.create(config.aws());
    try {
      return new Hosted(
          onAws(config, clients),
          OperatorServices.onAws(config, clients),
          new Readiness(clients.readinessChecks(), Readiness.DEFAULT_TIMEOUT),
          clients);
    } catch (RuntimeException e) {
      clients.close();
      throw e;
    }
  }

  /**
   * The service on clients built from {@code config} that live as long as the process (a Lambda
   * container's).
   */
  public static UploadService onAws(UplinkConfig config) {
    return onAws(config, AwsClients.create(config.aws()));
  }
}
