package dev.uplink.cli;

import dev.uplink.core.operations.DeadLetterListing;
import dev.uplink.core.operations.OperatorService;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code uplink dlq list [--limit N]}: the dead-lettered messages with their tasks. */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "List the dead-letter queue, oldest first: task id, instance, path, attempts, receive count,"
          + " first and last failure, last error; and how many messages both queues hold. Looking"
          + " receives each message and releases it at once: nothing is removed.",
      DlqCommand.CONNECTION,
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:listed", "1:failed (e.g. SQS or DynamoDB unreachable)", "2:usage error"})
final class DlqListCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "100",
      description = "At most N messages, 1 to " + OperatorService.MAX_LIST + " (default: 100).")
  private int limit;

  @Mixin private OutputOptions output;

  @Override
  public Integer call() {
    if (limit < 1 || limit > OperatorService.MAX_LIST) {
      throw new ParameterException(
          spec.commandLine(), "--limit must be 1 to " + OperatorService.MAX_LIST);
    }
    DeadLetterListing listing = operator().run(service -> service.list(limit));
    if (output.json()) {
      output.json(listing.toJson());
    } else {
      output.lines(DeadLetterFormat.listing(listing));
    }
    return 0;
  }

  private OperatorConnection operator() {
    return OperatorConnection.of(spec);
  }
}
