package dev.uplink.core.operations;

import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a redrive did with one message, or one id asked for.
 *
 * @param messageId the message (empty for an id that matched none, when it was a task id)
 * @param taskId the task it names
 * @param outcome what happened
 * @param taskStatus the task's status afterwards
 * @param detail what happened, in words
 */
public record RedriveItem(
    Optional<String> messageId,
    Optional<TaskId> taskId,
    RedriveOutcome outcome,
    Optional<TaskStatus> taskStatus,
    String detail) {

  public RedriveItem {
    Objects.requireNonNull(messageId, "messageId");
    Objects.requireNonNull(taskId, "taskId");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(taskStatus, "taskStatus");
    Objects.requireNonNull(detail, "detail");
  }

  /** {@code {"messageId", "taskId", "outcome", "taskStatus", "detail"}}. */
  public Map<String, Object> toJson() {
    var json = new LinkedHashMap<String, Object>();
    json.put("messageId", messageId.orElse(null));
    json.put("taskId", taskId.map(TaskId::value).orElse(null));
    json.put("outcome", outcome.name());
    json.put("taskStatus", taskStatus.map(TaskStatus::name).orElse(null));
    json.put("detail", detail);
    return json;
  }
}
