package dev.uplink.cli;

import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.aws.OperatorServices;
import dev.uplink.core.config.ConfigException;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.domain.TaskNotFoundException;
import dev.uplink.core.operations.DeadLetterNotFoundException;
import dev.uplink.core.operations.OperatorService;
import dev.uplink.core.operations.RedriveInProgressException;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * How the operators' commands ({@code dlq}, {@code retry}) reach the queues and the table: straight
 * through SQS and DynamoDB with the operator's own AWS credentials (the SDK's default chain), named
 * by the variables the services read, through the one reader of them, {@link
 * UplinkConfig#fromEnvironment(java.util.Map)}: {@code AWS_REGION}, {@code UPLINK_QUEUE}, {@code
 * UPLINK_DLQ}, {@code UPLINK_TABLE} and the endpoint overrides {@code uplink local} prints.
 */
final class OperatorConnection {

  private final CommandSpec command;

  private OperatorConnection(CommandSpec command) {
    this.command = command;
  }

  /** The connection of the operators' command {@code command}, from its environment. */
  static OperatorConnection of(CommandSpec command) {
    return new OperatorConnection(command);
  }

  /**
   * Runs {@code work} with the operators' service and closes the AWS clients afterwards.
   *
   * @throws ParameterException (exit 2) if a variable is malformed
   * @throws CliException (exit 1) if SQS or DynamoDB fail, or nothing has the id asked for
   */
  <T> T run(Function<OperatorService, T> work) {
    UplinkConfig config = config();
    OperatorLogging.warningsToStderr();
    try (AwsClients clients = AwsClients.create(config.aws())) {
      return work.apply(OperatorServices.onAws(config, clients));
    } catch (DeadLetterNotFoundException | RedriveInProgressException | TaskNotFoundException e) {
      throw new CliException(e.getMessage(), e);
    } catch (RuntimeException e) {
      if (!AwsFailures.isAwsFailure(e)) {
        throw e;
      }
      throw new CliException(AwsFailures.describe(e, config.aws()), e);
    }
  }

  /** Who is asking, for the services' logs: the local user. */
  String operator() {
    return "cli:" + System.getProperty("user.name", "unknown");
  }

  /**
   * Describes an AWS failure ({@link AwsFailures#isAwsFailure}) of one item of a batch, as {@link
   * #run} would the whole command.
   */
  String describe(RuntimeException failure) {
    return AwsFailures.describe(failure, config().aws());
  }

  private UplinkConfig config() {
    try {
      return UplinkConfig.fromEnvironment(UplinkCommand.environmentOf(command).variables());
    } catch (ConfigException e) {
      throw new ParameterException(command.commandLine(), e.getMessage());
    }
  }
}
