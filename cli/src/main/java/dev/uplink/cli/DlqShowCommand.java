package dev.uplink.cli;

import dev.uplink.core.operations.DeadLetterDetail;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code uplink dlq show MSG|TASK}: one message, or one task's messages, with the timeline. */
@Command(
    name = "show",
    mixinStandardHelpOptions = true,
    description = {
      "Show one dead-lettered message (by message id) or a task and its dead-lettered messages (by"
          + " task id), with the task's whole timeline: every attempt and why it failed.",
      DlqCommand.CONNECTION,
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:shown",
      "1:failed (no message or task has the id, or SQS or DynamoDB failed)",
      "2:usage error"
    })
final class DlqShowCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "MSG|TASK", description = "A message id or a task id.")
  private String id;

  @Mixin private OutputOptions output;

  @Override
  public Integer call() {
    String wanted = DlqCommand.messageOrTaskId(id, spec);
    DeadLetterDetail detail = operator().run(service -> service.show(wanted));
    if (output.json()) {
      output.json(detail.toJson());
    } else {
      output.lines(DeadLetterFormat.detail(detail));
    }
    return 0;
  }

  private OperatorConnection operator() {
    return OperatorConnection.of(spec);
  }
}
