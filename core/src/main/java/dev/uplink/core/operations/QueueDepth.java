package dev.uplink.core.operations;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How many messages a queue holds, as the queue counts them (approximately, on SQS).
 *
 * @param queue the queue's name
 * @param visible messages a receive would return now
 * @param inFlight messages received and not yet deleted (held by a worker or an operator)
 * @param delayed messages not yet visible because they were sent with a delay
 */
public record QueueDepth(String queue, long visible, long inFlight, long delayed) {

  public QueueDepth {
    Objects.requireNonNull(queue, "queue");
    if (visible < 0 || inFlight < 0 || delayed < 0) {
      throw new IllegalArgumentException("queue depths cannot be negative");
    }
  }

  /** Every message the queue holds. */
  public long total() {
    return visible + inFlight + delayed;
  }

  /** {@code {"queue", "visible", "inFlight", "delayed"}}. */
  public Map<String, Object> toJson() {
    var json = new LinkedHashMap<String, Object>();
    json.put("queue", queue);
    json.put("visible", visible);
    json.put("inFlight", inFlight);
    json.put("delayed", delayed);
    return json;
  }
}
