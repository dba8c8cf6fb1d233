package dev.uplink.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code uplink cancel ID}: withdraws a task no worker has started. */
@Command(
    name = "cancel",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Cancel a task that is AWAITING_UPLOAD or PENDING. A task a worker has started, or one"
          + " already finished, cannot be cancelled (exit 1).",
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:cancelled",
      "1:failed (e.g. the task is PROCESSING or DONE)",
      "2:usage error"
    })
final class CancelCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ID", description = "The task id.")
  private String id;

  @Mixin private OutputOptions output;
  @Mixin private ApiOptions api;

  @Override
  public Integer call() {
    String taskId = UplinkCommand.taskId(id, spec);
    output.task(api.client().delete(TaskPaths.task(taskId)).body(), TaskFormat::summary);
    return 0;
  }
}
