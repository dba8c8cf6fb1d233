package dev.uplink.core.aws;

import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.operations.OperatorService;
import java.time.Clock;
import java.util.Objects;

/**
 * Builds the {@link OperatorService} on the AWS adapters: for the HTTP API and for the command
 * line, which need nothing but the configuration and the clients.
 */
public final class OperatorServices {

  private OperatorServices() {}

  /**
   * The operators' service over the table, work queue and dead-letter queue {@code config} names,
   * using {@code clients} (the caller keeps and closes them). The work queue is looked up now, the
   * dead-letter queue on first use.
   */
  public static OperatorService onAws(UplinkConfig config, AwsClients clients) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(clients, "clients");
    String queueUrl = clients.queueUrl();
    return new OperatorService(
        new DynamoDbTaskStore(
            clients.dynamoDb(), config.aws().table(), config.processing().taskRetention()),
        new SqsTaskQueue(clients.sqs(), queueUrl),
        new SqsDeadLetterQueue(clients.sqs(), () -> queueUrl, clients::deadLetterQueueUrl),
        Clock.systemUTC());
  }
}
