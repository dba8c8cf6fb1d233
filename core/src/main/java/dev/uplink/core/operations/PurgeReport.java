package dev.uplink.core.operations;

import dev.uplink.core.domain.TaskId;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a purge of the dead-letter queue did. The tasks of deleted messages stay as they are (a
 * FAILED one can still be retried by its id).
 *
 * @param olderThan only messages sent longer ago than this were to go; empty for all
 * @param items one per message looked at
 */
public record PurgeReport(Optional<Duration> olderThan, List<PurgeReport.Item> items) {

  /** What happened to one message. */
  public enum Outcome {
    DELETED,
    /** Younger than {@code olderThan}: left in the queue. */
    KEPT,
    /** To be deleted, but the queue did not delete it (it is still there). */
    NOT_DELETED
  }

  /**
   * One message looked at.
   *
   * @param messageId the message
   * @param taskId the task it names, if it is a task message
   * @param sentAt when it was sent
   * @param outcome what happened to it
   */
  public record Item(String messageId, Optional<TaskId> taskId, Instant sentAt, Outcome outcome) {

    public Item {
      Objects.requireNonNull(messageId, "messageId");
      Objects.requireNonNull(taskId, "taskId");
      Objects.requireNonNull(sentAt, "sentAt");
      Objects.requireNonNull(outcome, "outcome");
    }

    /** {@code {"messageId", "taskId", "sentAt", "outcome"}}. */
    public Map<String, Object> toJson() {
      var json = new LinkedHashMap<String, Object>();
      json.put("messageId", messageId);
      json.put("taskId", taskId.map(TaskId::value).orElse(null));
      json.put("sentAt", JsonValues.timestamp(sentAt));
      json.put("outcome", outcome.name());
      return json;
    }
  }

  public PurgeReport {
    Objects.requireNonNull(olderThan, "olderThan");
    items = List.copyOf(items);
  }

  public long count(Outcome outcome) {
    return items.stream().filter(item -> item.outcome() == outcome).count();
  }

  /** {@code {"olderThan", "deleted", "kept", "notDeleted", "items"}}; olderThan as ISO-8601. */
  public Map<String, Object> toJson() {
    var json = new LinkedHashMap<String, Object>();
    json.put("olderThan", olderThan.map(Duration::toString).orElse(null));
    json.put("deleted", count(Outcome.DELETED));
    json.put("kept", count(Outcome.KEPT));
    json.put("notDeleted", count(Outcome.NOT_DELETED));
    json.put("items", items.stream().map(Item::toJson).toList());
    return json;
  }
}
