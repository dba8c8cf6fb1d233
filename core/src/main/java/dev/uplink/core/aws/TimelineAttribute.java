package dev.uplink.core.aws;

import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.Transition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A task's timeline as one DynamoDB list of {@code {at, to, reason}} maps, appended to by the same
 * conditional write that changes the status.
 *
 * <p>An entry's {@code from} and {@code attempt} are not stored: a claim's update increments the
 * attempts in place, without reading them first, so it could not write its attempt. Both follow
 * from the order: {@code from} is the previous entry's {@code to}, and the attempt counts the
 * claims (entries to PROCESSING) so far, offset so that the last entry matches the task's {@code
 * attempts} (a task older than its timeline has claims the list does not show). The reason is
 * written with the status the claim really took the task from (a takeover of an expired lease says
 * so).
 */
final class TimelineAttribute {

  static final String NAME = "timeline";

  private static final String AT = "at";
  private static final String TO = "to";
  private static final String REASON = "reason";

  private TimelineAttribute() {}

  /** One entry, to append. */
  static AttributeValue entry(Instant at, TaskStatus to, String reason) {
    return AttributeValue.fromM(
        Map.of(
            AT, AttributeValue.fromS(TaskItem.timestamp(at)),
            TO, AttributeValue.fromS(to.name()),
            REASON, AttributeValue.fromS(reason)));
  }

  static AttributeValue of(List<Transition> timeline) {
    return AttributeValue.fromL(
        timeline.stream().map(t -> entry(t.at(), t.to(), t.reason())).toList());
  }

  /** The stored list (absent on items written before timelines: empty), given the attempts. */
  static List<Transition> read(Optional<AttributeValue> stored, int attempts) {
    List<AttributeValue> entries = stored.map(AttributeValue::l).orElse(List.of());
    long claims = entries.stream().filter(e -> isClaim(e.m())).count();
    int attempt = (int) Math.max(0, attempts - claims);
    Optional<TaskStatus> from = Optional.empty();
    var timeline = new ArrayList<Transition>(entries.size());
    for (AttributeValue entry : entries) {
      Map<String, AttributeValue> fields = entry.m();
      TaskStatus to = TaskStatus.valueOf(fields.get(TO).s());
      if (to == TaskStatus.PROCESSING) {
        attempt++;
      }
      timeline.add(
          new Transition(
              Instant.parse(fields.get(AT).s()), from, to, attempt, fields.get(REASON).s()));
      from = Optional.of(to);
    }
    return timeline;
  }

  private static boolean isClaim(Map<String, AttributeValue> fields) {
    return TaskStatus.PROCESSING.name().equals(fields.get(TO).s());
  }
}
