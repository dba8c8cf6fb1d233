package dev.uplink.core.operations;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A server-side move of the dead-letter queue's messages back to the work queue (SQS {@code
 * StartMessageMoveTask}); it runs on its own after it was started.
 *
 * @param handle the queue's id for the move
 * @param status {@code RUNNING}, {@code COMPLETED}, {@code CANCELLING}, {@code CANCELLED} or {@code
 *     FAILED}, as the queue reports it
 * @param moved how many messages it has moved so far
 * @param toMove how many it found to move, when the queue says
 * @param ratePerSecond the most messages it moves a second, when one was set
 * @param startedAt when it started, when the queue says
 * @param failureReason why it failed, for a FAILED move
 */
public record MoveTask(
    String handle,
    String status,
    long moved,
    OptionalLong toMove,
    OptionalInt ratePerSecond,
    Optional<Instant> startedAt,
    Optional<String> failureReason) {

  public static final String RUNNING = "RUNNING";

  public MoveTask {
    Objects.requireNonNull(handle, "handle");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(toMove, "toMove");
    Objects.requireNonNull(ratePerSecond, "ratePerSecond");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(failureReason, "failureReason");
  }

  /** Whether it is still moving messages. */
  public boolean isRunning() {
    return RUNNING.equals(status) || "CANCELLING".equals(status);
  }

  /**
   * {@code {"handle", "status", "moved", "toMove", "ratePerSecond", "startedAt", "failureReason"}}.
   */
  public Map<String, Object> toJson() {
    var json = new LinkedHashMap<String, Object>();
    json.put("handle", handle);
    json.put("status", status);
    json.put("moved", moved);
    json.put("toMove", toMove.isPresent() ? toMove.getAsLong() : null);
    json.put("ratePerSecond", ratePerSecond.isPresent() ? ratePerSecond.getAsInt() : null);
    json.put("startedAt", startedAt.map(JsonValues::timestamp).orElse(null));
    json.put("failureReason", failureReason.orElse(null));
    return json;
  }
}
