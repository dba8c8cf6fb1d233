package dev.uplink.processor;

import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.aws.DynamoDbTaskStore;
import dev.uplink.core.aws.S3ObjectStore;
import dev.uplink.core.config.ConfigException;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.processor.incus.IncusClient;
import dev.uplink.processor.local.DirectoryTarget;
import dev.uplink.processor.poller.SqsPoller;
import java.time.Clock;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the processor from {@link UplinkConfig}: the AWS adapters, the file target and the {@link
 * PushWorker}. The one place that knows the concrete classes; everything else takes ports.
 */
public final class ProcessorWiring implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ProcessorWiring.class);

  private final UplinkConfig config;
  private final AwsClients clients;
  private final FileTarget target;
  private final PushWorker worker;
  private final boolean ownsClients;

  private ProcessorWiring(
      UplinkConfig config, AwsClients clients, boolean ownsClients, FileTarget target) {
    this.config = config;
    this.clients = clients;
    this.ownsClients = ownsClients;
    this.target = target;
    this.worker =
        new PushWorker(
            new DynamoDbTaskStore(clients.dynamoDb(), config.aws().table()),
            new S3ObjectStore(clients.s3(), config.aws().bucket(), config.partSizeBytes()),
            target,
            Clock.systemUTC());
  }

  /** For the Lambda: reads the environment; Incus is required. */
  public static ProcessorWiring forLambda() {
    return forLambda(UplinkConfig.fromEnvironment());
  }

  /**
   * For the Lambda: Incus is required, since a Lambda has no local directory worth writing to.
   *
   * @throws ConfigException if {@code UPLINK_INCUS_URL} is not set, or the Incus files are unusable
   */
  public static ProcessorWiring forLambda(UplinkConfig config) {
    if (config.incus().isEmpty()) {
      throw new ConfigException(
          "UPLINK_INCUS_URL (with UPLINK_INCUS_CERT, UPLINK_INCUS_KEY and UPLINK_INCUS_SERVER_CERT)"
              + " is required for the Lambda processor");
    }
    return create(config);
  }

  /**
   * For the long-running poller: pushes to Incus when {@code UPLINK_INCUS_URL} is set, otherwise
   * into the local directory target under {@code UPLINK_DATA_DIR}.
   */
  public static ProcessorWiring create(UplinkConfig config) {
    Objects.requireNonNull(config, "config");
    return new ProcessorWiring(config, AwsClients.create(config.aws()), true, targetFor(config));
  }

  /**
   * Like {@link #create(UplinkConfig)}, over clients the caller shares with other components and
   * closes itself (the local stack, tests).
   */
  public static ProcessorWiring create(UplinkConfig config, AwsClients clients) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(clients, "clients");
    return new ProcessorWiring(config, clients, false, targetFor(config));
  }

  private static FileTarget targetFor(UplinkConfig config) {
    log.info("Processor configured: {}", config);
    return config.incus().isPresent()
        ? new IncusClient(config.incus().get())
        : new DirectoryTarget(config.dataDir());
  }

  public PushWorker worker() {
    return worker;
  }

  public FileTarget target() {
    return target;
  }

  public AwsClients clients() {
    return clients;
  }

  /** A poller over the configured work queue (looked up by name), not yet started. */
  public SqsPoller poller() {
    return new SqsPoller(
        clients.sqs(), clients.queueUrl(), worker, config.workers(), config.visibilityTimeout());
  }

  @Override
  public void close() {
    if (target instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        log.warn("Closing the file target failed", e);
      }
    }
    if (ownsClients) {
      clients.close();
    }
  }
}
