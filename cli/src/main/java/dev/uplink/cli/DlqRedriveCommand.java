package dev.uplink.cli;

import dev.uplink.core.operations.InvalidOperatorRequestException;
import dev.uplink.core.operations.RedriveOutcome;
import dev.uplink.core.operations.RedriveReport;
import dev.uplink.core.operations.RedriveRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code uplink dlq redrive --all | ID... [--rate N]}: messages back to the work queue. */
@Command(
    name = "redrive",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Send dead-lettered messages back to the work queue: every one (--all) or those named (message"
          + " ids, or task ids for all of a task's messages). A FAILED task is reset to PENDING"
          + " first (its attempts and timeline are kept); a message whose task is DONE, CANCELLED"
          + " or gone is deleted; one that is not a task message stays (purge it).",
      DlqCommand.CONNECTION,
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:every message handled",
      "1:an id matched nothing, a message could not be sent back, or SQS or DynamoDB failed",
      "2:usage error"
    })
final class DlqRedriveCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Option(names = "--all", description = "Every message of the dead-letter queue.")
  private boolean all;

  @Parameters(
      paramLabel = "ID",
      arity = "0..*",
      description = "Message ids or task ids (at most " + RedriveRequest.MAX_IDS + ").")
  private List<String> ids = new ArrayList<>();

  @Option(
      names = "--rate",
      paramLabel = "N",
      description =
          "At most N messages a second, 1 to "
              + RedriveRequest.MAX_RATE
              + " (default: as fast as the queue takes them).")
  private Integer rate;

  @Mixin private OutputOptions output;

  @Override
  public Integer call() {
    RedriveRequest request = request();
    RedriveReport report =
        operator().run(service -> service.redrive(request, operator().operator()));
    if (output.json()) {
      output.json(report.toJson());
    } else {
      output.lines(DeadLetterFormat.redrive(report));
    }
    long notFound = report.count(RedriveOutcome.NOT_FOUND);
    long errors = report.count(RedriveOutcome.ERROR);
    if (notFound + errors == 0) {
      return 0;
    }
    var problems = new ArrayList<String>();
    if (notFound > 0) {
      problems.add(notFound + " id(s) matched no dead-lettered message");
    }
    if (errors > 0) {
      problems.add(errors + " message(s) could not be sent back and stay in the dead-letter queue");
    }
    output.error(String.join("; ", problems) + " (see the details above)");
    return CliException.EXIT_CODE;
  }

  /**
   * The request the arguments make, checked before anything is read.
   *
   * @throws ParameterException (exit 2) if it is not one
   */
  private RedriveRequest request() {
    if (all == !ids.isEmpty()) {
      throw new ParameterException(
          spec.commandLine(),
          all
              ? "give --all or ids, not both"
              : "say what to redrive: --all, or the ids of messages or tasks");
    }
    var wanted = new ArrayList<String>();
    for (String id : ids) {
      wanted.add(DlqCommand.messageOrTaskId(id, spec));
    }
    OptionalInt perSecond = rate == null ? OptionalInt.empty() : OptionalInt.of(rate);
    try {
      return all ? RedriveRequest.everything(perSecond) : RedriveRequest.only(wanted, perSecond);
    } catch (InvalidOperatorRequestException e) {
      String message = e.getMessage();
      if ("rate".equals(e.field())) {
        message = "--rate must be 1 to " + RedriveRequest.MAX_RATE + " messages a second";
      }
      throw new ParameterException(spec.commandLine(), message);
    }
  }

  private OperatorConnection operator() {
    return OperatorConnection.of(spec);
  }
}
