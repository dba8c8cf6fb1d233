package dev.uplink.core.operations;

import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.Transition;
import dev.uplink.core.domain.UploadTask;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON forms every answer shares (timestamps, errors, timeline entries), as the HTTP API and
 * the command line write them, and the task as an operator sees it.
 */
public final class JsonValues {

  /** ISO-8601 UTC with exactly three fraction digits, e.g. {@code 2026-11-22T06:30:00.123Z}. */
  private static final DateTimeFormatter TIMESTAMP =
      new DateTimeFormatterBuilder().appendInstant(3).toFormatter();

  private JsonValues() {}

  public static String timestamp(Instant instant) {
    return TIMESTAMP.format(instant);
  }

  public static Map<String, Object> error(TaskError error) {
    var json = new LinkedHashMap<String, Object>();
    json.put("code", error.code());
    json.put("message", error.message());
    return json;
  }

  /** A task as an operator sees it: with its owner and its whole timeline. */
  static Map<String, Object> task(UploadTask task) {
    var json = new LinkedHashMap<String, Object>();
    json.put("id", task.id().value());
    json.put("owner", task.owner());
    json.put("status", task.status().name());
    if (!task.destination().onDefaultRemote()) {
      json.put("remote", task.destination().remote());
    }
    json.put("project", task.destination().project());
    json.put("container", task.destination().instance());
    json.put("path", task.destination().path());
    json.put("mode", task.destination().octalMode());
    json.put("size", task.size());
    json.put("sha256", task.sha256());
    json.put("attempts", task.attempts());
    json.put("lastError", task.lastError().map(JsonValues::error).orElse(null));
    json.put("createdAt", timestamp(task.createdAt()));
    json.put("updatedAt", timestamp(task.updatedAt()));
    json.put("timeline", task.timeline().stream().map(JsonValues::transition).toList());
    return json;
  }

  public static Map<String, Object> transition(Transition transition) {
    var json = new LinkedHashMap<String, Object>();
    json.put("at", timestamp(transition.at()));
    json.put("from", transition.from().map(TaskStatus::name).orElse(null));
    json.put("to", transition.to().name());
    json.put("attempt", transition.attempt());
    json.put("reason", transition.reason());
    return json;
  }
}
