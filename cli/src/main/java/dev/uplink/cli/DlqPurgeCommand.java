package dev.uplink.cli;

import dev.uplink.core.operations.PurgeReport;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code uplink dlq purge [--older-than D] --yes}: dead-lettered messages deleted for good. */
@Command(
    name = "purge",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Delete dead-lettered messages for good: all of them, or those first sent longer ago than"
          + " --older-than. Their tasks stay as they are: a FAILED task can still be retried with"
          + " `uplink retry ID`.",
      DlqCommand.CONNECTION,
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:purged",
      "1:a message could not be deleted, or SQS or DynamoDB failed",
      "2:usage error (e.g. no --yes)"
    })
final class DlqPurgeCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Option(
      names = "--older-than",
      paramLabel = "D",
      description = "Only messages first sent longer ago than D: 45s, 30m, 12h, 7d or PT12H.")
  private String olderThan;

  @Option(names = "--yes", description = "Really delete (required: there is no undo).")
  private boolean yes;

  @Mixin private OutputOptions output;

  @Override
  public Integer call() {
    Optional<Duration> age;
    try {
      age = Optional.ofNullable(olderThan).map(Ages::parse);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--older-than: " + e.getMessage());
    }
    if (!yes) {
      throw new ParameterException(
          spec.commandLine(), "purge deletes messages for good: add --yes to confirm");
    }
    PurgeReport report = operator().run(service -> service.purge(age, operator().operator()));
    if (output.json()) {
      output.json(report.toJson());
    } else {
      output.lines(DeadLetterFormat.purge(report));
    }
    long notDeleted = report.count(PurgeReport.Outcome.NOT_DELETED);
    if (notDeleted > 0) {
      output.error(notDeleted + " message(s) could not be deleted and are still there");
      return CliException.EXIT_CODE;
    }
    return 0;
  }

  private OperatorConnection operator() {
    return OperatorConnection.of(spec);
  }
}
