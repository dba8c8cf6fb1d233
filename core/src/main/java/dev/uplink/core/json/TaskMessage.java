package dev.uplink.core.json;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.core.domain.TaskId;
import java.util.Optional;

/**
 * The body of a queue message: {@code {"task_id":"..."}}. It carries only the id; everything else
 * is read from the task store, so a message can never point a worker somewhere the task does not.
 *
 * <p>The wire format of the work and dead-letter queues, so it lives with the JSON adapters rather
 * than in the domain: the domain knows a task by its {@link TaskId}, not by its message.
 */
public record TaskMessage(@JsonProperty("task_id") String taskId) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public static String bodyFor(TaskId id) {
    try {
      return JSON.writeValueAsString(new TaskMessage(id.value()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode a task message", e);
    }
  }

  /**
   * Reads a message body. Returns empty for anything that is not a JSON object with a valid {@code
   * task_id}: such a message is poison, not a reason to crash.
   */
  public static Optional<TaskId> parse(String body) {
    if (body == null) {
      return Optional.empty();
    }
    try {
      var node = JSON.readTree(body);
      if (node == null || !node.isObject() || !node.path("task_id").isTextual()) {
        return Optional.empty();
      }
      String id = node.get("task_id").asText();
      return TaskId.isValid(id) ? Optional.of(new TaskId(id)) : Optional.empty();
    } catch (JsonProcessingException e) {
      return Optional.empty();
    }
  }
}
