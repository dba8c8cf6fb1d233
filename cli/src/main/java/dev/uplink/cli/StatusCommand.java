package dev.uplink.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code uplink status ID [--wait]}: one task, with its timeline when the API keeps one. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Show a task: status, destination, size, bytes pushed, attempts, last error and, when the"
          + " API keeps one, its timeline of status changes.",
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:shown (with --wait: DONE)",
      "1:failed (with --wait: FAILED or CANCELLED)",
      "2:usage error"
    })
final class StatusCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ID", description = "The task id.")
  private String id;

  @Mixin private WaitOptions waiting;
  @Mixin private ProgressOptions progress;
  @Mixin private OutputOptions output;
  @Mixin private ApiOptions api;

  @Override
  public Integer call() {
    String taskId = UplinkCommand.taskId(id, spec);
    Optional<Duration> timeout = waiting.timeout();
    ApiClient client = api.client();
    if (!waiting.enabled()) {
      output.task(client.get(TaskPaths.task(taskId)).body(), TaskFormat::status);
      return 0;
    }
    JsonNode finished = TaskWaiter.await(client, taskId, timeout, progress.meter());
    return output.finishedTask(finished, TaskFormat::status);
  }
}
