package dev.uplink.cli;

import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code uplink dlq list|show|redrive|purge}: the dead-letter queue, for operators. */
@Command(
    name = "dlq",
    mixinStandardHelpOptions = true,
    description = {
      "Operators: look into the dead-letter queue, send its messages back to the work queue, or"
          + " purge it.",
      DlqCommand.CONNECTION,
    },
    commandListHeading = "%nCommands:%n",
    subcommands = {
      DlqListCommand.class,
      DlqShowCommand.class,
      DlqRedriveCommand.class,
      DlqPurgeCommand.class,
    })
final class DlqCommand implements Callable<Integer> {

  /** How the operators' commands find SQS and DynamoDB, for their --help. */
  static final String CONNECTION =
      "Talks to SQS and DynamoDB directly with your AWS credentials (AWS_PROFILE, or"
          + " AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY); AWS_REGION, UPLINK_QUEUE, UPLINK_DLQ and"
          + " UPLINK_TABLE name the resources as for the services, and UPLINK_SQS_ENDPOINT and"
          + " UPLINK_DYNAMODB_ENDPOINT point at the local stack (`uplink local` prints the exports).";

  /** What an SQS message id looks like (a UUID on SQS); checked before any call. */
  private static final Pattern MESSAGE_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");

  @Spec private CommandSpec spec;

  @Override
  public Integer call() {
    throw new ParameterException(
        spec.commandLine(), "a command is required: list, show, redrive, purge");
  }

  /**
   * {@code id} as the operators' service takes it: a task id in its canonical form, or a message id
   * as given.
   *
   * @throws ParameterException (exit 2) if it is neither
   */
  static String messageOrTaskId(String id, CommandSpec command) {
    String stripped = id.strip();
    try {
      return TaskIds.canonical(stripped);
    } catch (IllegalArgumentException notATask) {
      if (MESSAGE_ID.matcher(stripped).matches()) {
        return stripped;
      }
      throw new ParameterException(
          command.commandLine(),
          "'" + Problem.oneLine(id) + "' is neither a task id nor a message id");
    }
  }
}
