package dev.uplink.core.operations;

import dev.uplink.core.domain.UploadTask;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One task or message of the dead-letter queue, in full.
 *
 * @param id what was asked for: a message id or a task id
 * @param task the task, with its whole timeline (empty for a message that names no existing task)
 * @param messages the task's messages in the dead-letter queue (or the one message asked for); may
 *     be empty for a task none of whose messages is there
 */
public record DeadLetterDetail(
    String id, Optional<UploadTask> task, List<DeadLetterEntry> messages) {

  public DeadLetterDetail {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(task, "task");
    messages = List.copyOf(messages);
  }

  /** {@code {"id", "task", "messages"}}; the task has its owner and timeline. */
  public Map<String, Object> toJson() {
    var json = new LinkedHashMap<String, Object>();
    json.put("id", id);
    json.put("task", task.map(JsonValues::task).orElse(null));
    json.put("messages", messages.stream().map(DeadLetterEntry::toJson).toList());
    return json;
  }
}
