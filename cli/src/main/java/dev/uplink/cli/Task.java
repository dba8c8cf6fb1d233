package dev.uplink.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.TaskStatus;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A task as the API shows it ({@code GET /v1/uploads/{id}}). Tolerant: a field the API does not
 * send (an older API has no {@code timeline}) is empty, never an error.
 *
 * @param id the task id
 * @param status {@code AWAITING_UPLOAD}, {@code PENDING}, {@code PROCESSING}, {@code DONE}, {@code
 *     FAILED} or {@code CANCELLED}
 * @param remote the Incus remote, empty for the default one
 * @param project the Incus project ({@code default} when the API names none)
 * @param container the target instance
 * @param path the absolute path in it
 * @param mode the file mode (octal), if the API gives one
 * @param uid the owner's user id, if set
 * @param gid the owner's group id, if set
 * @param size the file's size in bytes
 * @param sha256 the file's SHA-256, once known
 * @param attempts how often a worker claimed the task
 * @param bytesPushed how many bytes reached the target so far
 * @param lastError the last failure, {@code CODE: message}
 * @param createdAt when the task was created (ISO-8601)
 * @param updatedAt when it last changed
 * @param timeline its status changes, oldest first (empty if the API does not keep them)
 */
public record Task(
    String id,
    String status,
    String remote,
    String project,
    String container,
    String path,
    Optional<String> mode,
    Optional<String> uid,
    Optional<String> gid,
    long size,
    Optional<String> sha256,
    int attempts,
    long bytesPushed,
    Optional<String> lastError,
    Optional<String> createdAt,
    Optional<String> updatedAt,
    List<TimelineEntry> timeline) {

  /** Statuses no worker or client changes any more: the domain's terminal ones. */
  public static final Set<String> FINISHED =
      Arrays.stream(TaskStatus.values())
          .filter(TaskStatus::isTerminal)
          .map(Enum::name)
          .collect(Collectors.toUnmodifiableSet());

  /**
   * Every status a task may have, as {@code GET /v1/uploads?status=} accepts them: the domain's, in
   * its order.
   */
  public static final List<String> STATUSES =
      Arrays.stream(TaskStatus.values()).map(Enum::name).toList();

  private static final String DEFAULT_PROJECT = Destination.DEFAULT_PROJECT;

  public Task {
    timeline = List.copyOf(timeline);
  }

  /**
   * One entry of the timeline.
   *
   * @param at when
   * @param from the status before; empty for the entry that created the task
   * @param to the status after
   * @param attempt the claim count after the change
   * @param reason why, in words
   */
  public record TimelineEntry(
      String at, Optional<String> from, String to, int attempt, Optional<String> reason) {}

  /** The task in {@code json}. */
  public static Task of(JsonNode json) {
    var timeline = new ArrayList<TimelineEntry>();
    JsonNode entries = json.path("timeline");
    if (entries.isArray()) {
      for (JsonNode entry : entries) {
        timeline.add(
            new TimelineEntry(
                Json.text(entry, "at").orElse("?"),
                Json.text(entry, "from"),
                Json.text(entry, "to").orElse("?"),
                entry.path("attempt").asInt(0),
                Json.text(entry, "reason")));
      }
    }
    return new Task(
        Json.text(json, "id").orElse("?"),
        Json.text(json, "status").orElse("?"),
        Json.text(json, "remote").orElse(""),
        Json.text(json, "project").orElse(DEFAULT_PROJECT),
        Json.text(json, "container").orElse("?"),
        Json.text(json, "path").orElse("?"),
        Json.text(json, "mode"),
        Json.text(json, "uid"),
        Json.text(json, "gid"),
        json.path("size").asLong(0),
        Json.text(json, "sha256"),
        json.path("attempts").asInt(0),
        json.path("bytesPushed").asLong(0),
        error(json.path("lastError")),
        Json.text(json, "createdAt"),
        Json.text(json, "updatedAt"),
        timeline);
  }

  private static Optional<String> error(JsonNode error) {
    if (error.isMissingNode() || error.isNull()) {
      return Optional.empty();
    }
    if (error.isTextual()) {
      return Optional.of(error.asText());
    }
    String code = error.path("code").asText("");
    String message = error.path("message").asText("");
    return Optional.of(code.isEmpty() ? message : message.isEmpty() ? code : code + ": " + message);
  }

  public boolean isFinished() {
    return FINISHED.contains(status);
  }

  /**
   * {@code [remote:][project/]container:path}, as grants name destinations: the remote and the
   * project only when they are not the default ones.
   */
  public String destination() {
    return (remote.isEmpty() ? "" : remote + ":")
        + (project.equals(DEFAULT_PROJECT) ? "" : project + "/")
        + container
        + ":"
        + path;
  }
}
