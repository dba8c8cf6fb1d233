package dev.uplink.core.operations;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the dead-letter queue holds.
 *
 * @param depths how many messages the work queue and the dead-letter queue held when the listing
 *     began
 * @param messages the dead-letter queue's messages, oldest first
 * @param truncated whether the queue held more messages than were listed
 * @param lastRedrive the most recent server-side move back to the work queue, if any is known
 */
public record DeadLetterListing(
    QueueDepths depths,
    List<DeadLetterEntry> messages,
    boolean truncated,
    Optional<MoveTask> lastRedrive) {

  public DeadLetterListing {
    Objects.requireNonNull(depths, "depths");
    messages = List.copyOf(messages);
    Objects.requireNonNull(lastRedrive, "lastRedrive");
  }

  /** {@code {"queue", "deadLetterQueue", "messages", "truncated", "lastRedrive"}}. */
  public Map<String, Object> toJson() {
    var json = new LinkedHashMap<String, Object>();
    json.put("queue", depths.workQueue().toJson());
    json.put("deadLetterQueue", depths.deadLetterQueue().toJson());
    json.put("messages", messages.stream().map(DeadLetterEntry::toJson).toList());
    json.put("truncated", truncated);
    json.put("lastRedrive", lastRedrive.map(MoveTask::toJson).orElse(null));
    return json;
  }
}
