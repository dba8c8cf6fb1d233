package dev.uplink.core.operations;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a redrive did.
 *
 * @param method how the messages went back
 * @param methodReason why that way, in words
 * @param moveTask for {@link RedriveMethod#MOVE_TASK}: the move, which goes on after the report
 * @param items one per message handled, and one per id asked for that matched nothing
 */
public record RedriveReport(
    RedriveMethod method,
    String methodReason,
    Optional<MoveTask> moveTask,
    List<RedriveItem> items) {

  public RedriveReport {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(methodReason, "methodReason");
    Objects.requireNonNull(moveTask, "moveTask");
    items = List.copyOf(items);
  }

  /** How many items had {@code outcome}. */
  public long count(RedriveOutcome outcome) {
    return items.stream().filter(item -> item.outcome() == outcome).count();
  }

  /** Every outcome with its count, zeros included, in the enum's order. */
  public Map<RedriveOutcome, Long> counts() {
    var counts = new EnumMap<RedriveOutcome, Long>(RedriveOutcome.class);
    for (RedriveOutcome outcome : RedriveOutcome.values()) {
      counts.put(outcome, count(outcome));
    }
    return counts;
  }

  /** {@code {"method", "methodReason", "moveTask", "counts", "items"}}. */
  public Map<String, Object> toJson() {
    var json = new LinkedHashMap<String, Object>();
    json.put("method", method.name());
    json.put("methodReason", methodReason);
    json.put("moveTask", moveTask.map(MoveTask::toJson).orElse(null));
    var counts = new LinkedHashMap<String, Object>();
    counts().forEach((outcome, count) -> counts.put(outcome.name(), count));
    json.put("counts", counts);
    json.put("items", items.stream().map(RedriveItem::toJson).toList());
    return json;
  }
}
