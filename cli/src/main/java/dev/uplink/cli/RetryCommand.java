package dev.uplink.cli;

import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskNotFoundException;
import dev.uplink.core.operations.OperatorService;
import dev.uplink.core.operations.RetryRefusedException;
import dev.uplink.core.operations.RetryResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code uplink retry ID...}: FAILED tasks back to PENDING and queued again, for operators. */
@Command(
    name = "retry",
    mixinStandardHelpOptions = true,
    description = {
      "Operators: retry FAILED tasks, anyone's. Each goes back to PENDING (its attempts and timeline"
          + " are kept) and is published to the work queue again. A message of the task still in"
          + " the dead-letter queue turns stale; a later redrive or purge deletes it.",
      DlqCommand.CONNECTION,
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:every task retried",
      "1:a task could not be retried (not FAILED, no such task, or SQS or DynamoDB failed)",
      "2:usage error"
    })
final class RetryCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Parameters(paramLabel = "ID", arity = "1..*", description = "Task ids.")
  private List<String> ids;

  @Mixin private OutputOptions output;

  /** What became of each task asked for: retried, or why not. */
  private record Outcomes(List<RetryResult> retried, Map<String, String> refused) {}

  @Override
  public Integer call() {
    var taskIds = new LinkedHashSet<TaskId>();
    for (String id : ids) {
      taskIds.add(new TaskId(UplinkCommand.taskId(id, spec)));
    }
    Outcomes outcomes = operator().run(service -> retryEach(service, taskIds));
    if (output.json()) {
      var json = new LinkedHashMap<String, Object>();
      json.put("retried", outcomes.retried().stream().map(RetryResult::toJson).toList());
      var refused = new ArrayList<Map<String, String>>();
      outcomes
          .refused()
          .forEach(
              (id, why) -> {
                var entry = new LinkedHashMap<String, String>();
                entry.put("id", id);
                entry.put("reason", why);
                refused.add(entry);
              });
      json.put("refused", refused);
      output.json(json);
    } else {
      output.lines(outcomes.retried().stream().map(DeadLetterFormat::retried).toList());
    }
    outcomes.refused().values().forEach(output::error);
    return outcomes.refused().isEmpty() ? 0 : CliException.EXIT_CODE;
  }

  /** Retries each task on its own, so one that cannot be retried does not stop the others. */
  private Outcomes retryEach(OperatorService service, Iterable<TaskId> taskIds) {
    var retried = new ArrayList<RetryResult>();
    var refused = new LinkedHashMap<String, String>();
    for (TaskId id : taskIds) {
      try {
        retried.add(service.retry(id, operator().operator()));
      } catch (RetryRefusedException | TaskNotFoundException e) {
        refused.put(id.value(), e.getMessage());
      } catch (RuntimeException e) {
        if (!AwsFailures.isAwsFailure(e)) {
          throw e;
        }
        refused.put(id.value(), "task " + id + ": " + operator().describe(e));
      }
    }
    return new Outcomes(retried, refused);
  }

  private OperatorConnection operator() {
    return OperatorConnection.of(spec);
  }
}
