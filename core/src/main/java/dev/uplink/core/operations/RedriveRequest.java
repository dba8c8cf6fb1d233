package dev.uplink.core.operations;

import dev.uplink.core.domain.TaskId;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * Which dead-lettered messages to send back to the work queue, and how fast.
 *
 * @param all every message of the dead-letter queue
 * @param ids or these: each a message id, or a task id (all of that task's messages)
 * @param ratePerSecond the most messages sent back a second, or as fast as the queue goes
 */
public record RedriveRequest(boolean all, List<String> ids, OptionalInt ratePerSecond) {

  /** The fastest rate that may be asked for (SQS's limit for a move task). */
  public static final int MAX_RATE = 500;

  /** The most ids one request may name. */
  public static final int MAX_IDS = 100;

  /** What a message id looks like (SQS: a UUID); anything else is refused before any work. */
  private static final Pattern MESSAGE_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");

  /**
   * @throws InvalidOperatorRequestException if neither or both of {@code all} and {@code ids} are
   *     given, an id is malformed or repeated, there are too many, or the rate is out of range
   */
  public RedriveRequest {
    Objects.requireNonNull(ids, "ids");
    Objects.requireNonNull(ratePerSecond, "ratePerSecond");
    ids = List.copyOf(ids);
    if (all == !ids.isEmpty()) {
      throw new InvalidOperatorRequestException(
          all ? "ids" : "all",
          "Give either all (every message) or ids (some), not both or neither");
    }
    if (ids.size() > MAX_IDS) {
      throw new InvalidOperatorRequestException(
          "ids", "At most " + MAX_IDS + " ids at once; redrive all, or in several requests");
    }
    var distinct = new LinkedHashSet<String>();
    for (String id : ids) {
      if (id == null || !(TaskId.isValid(id) || MESSAGE_ID.matcher(id).matches())) {
        throw new InvalidOperatorRequestException(
            "ids", "Not a task id or a message id: " + shorten(id));
      }
      if (!distinct.add(TaskId.isValid(id) ? new TaskId(id).value() : id)) {
        throw new InvalidOperatorRequestException("ids", "The id " + id + " is given twice");
      }
    }
    if (ratePerSecond.isPresent()
        && (ratePerSecond.getAsInt() < 1 || ratePerSecond.getAsInt() > MAX_RATE)) {
      throw new InvalidOperatorRequestException(
          "rate", "rate must be 1 to " + MAX_RATE + " messages a second");
    }
  }

  /** Every message of the dead-letter queue. */
  public static RedriveRequest everything(OptionalInt ratePerSecond) {
    return new RedriveRequest(true, List.of(), ratePerSecond);
  }

  /** These messages, or these tasks' messages. */
  public static RedriveRequest only(List<String> ids, OptionalInt ratePerSecond) {
    return new RedriveRequest(false, ids, ratePerSecond);
  }

  private static String shorten(String id) {
    if (id == null) {
      return "null";
    }
    return id.length() > 40 ? id.substring(0, 40) + "…" : id;
  }
}
