package dev.uplink.core.operations;

import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.Transition;
import dev.uplink.core.domain.UploadTask;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One message of the dead-letter queue, with what its task says about it.
 *
 * @param messageId the queue's id of the message
 * @param kind whether it names a task, and whether that task exists
 * @param taskId the task it names (empty for a message that is not a task message)
 * @param owner the task's owner
 * @param instance the instance the task's file goes to
 * @param path the path the file goes to
 * @param taskStatus the task's status now
 * @param attempts how many times workers have claimed the task
 * @param lastError why the task's last attempt failed
 * @param firstFailureAt when the task first failed, from its timeline
 * @param lastFailureAt when it last failed, from its timeline
 * @param receiveCount how many times the message has been received, in the work queue and in the
 *     dead-letter queue together (every look at the dead-letter queue is a receive)
 * @param sentAt when the message was sent to the work queue
 * @param body the message body, cut to {@value #BODY_PREVIEW} characters
 */
public record DeadLetterEntry(
    String messageId,
    Kind kind,
    Optional<TaskId> taskId,
    Optional<String> owner,
    Optional<String> instance,
    Optional<String> path,
    Optional<TaskStatus> taskStatus,
    int attempts,
    Optional<TaskError> lastError,
    Optional<Instant> firstFailureAt,
    Optional<Instant> lastFailureAt,
    int receiveCount,
    Instant sentAt,
    String body) {

  /** The most characters of a message body an entry keeps. */
  public static final int BODY_PREVIEW = 256;

  /** What a dead-lettered message is. */
  public enum Kind {
    /** It names a task that exists. */
    TASK,
    /** It names a task that does not exist (never recorded, or expired and deleted). */
    UNKNOWN_TASK,
    /** It is not a task message at all (not JSON, or no valid {@code task_id}): poison. */
    NOT_A_TASK
  }

  public DeadLetterEntry {
    Objects.requireNonNull(messageId, "messageId");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(taskId, "taskId");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(instance, "instance");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(taskStatus, "taskStatus");
    Objects.requireNonNull(lastError, "lastError");
    Objects.requireNonNull(firstFailureAt, "firstFailureAt");
    Objects.requireNonNull(lastFailureAt, "lastFailureAt");
    Objects.requireNonNull(sentAt, "sentAt");
    Objects.requireNonNull(body, "body");
    if (body.length() > BODY_PREVIEW) {
      body = body.substring(0, BODY_PREVIEW - 1) + "…";
    }
  }

  /**
   * The entry for {@code letter}: {@code taskId} is what its body names (empty when it names none),
   * {@code task} the task as stored (empty when there is none).
   */
  static DeadLetterEntry of(DeadLetter letter, Optional<TaskId> taskId, Optional<UploadTask> task) {
    Kind kind = taskId.isEmpty() ? Kind.NOT_A_TASK : task.isEmpty() ? Kind.UNKNOWN_TASK : Kind.TASK;
    List<Instant> failures =
        task.map(t -> t.timeline().stream().filter(DeadLetterEntry::isFailure))
            .map(s -> s.map(Transition::at).toList())
            .orElse(List.of());
    return new DeadLetterEntry(
        letter.messageId(),
        kind,
        taskId,
        task.map(UploadTask::owner),
        task.map(t -> t.destination().instanceAsGranted()),
        task.map(t -> t.destination().path()),
        task.map(UploadTask::status),
        task.map(UploadTask::attempts).orElse(0),
        task.flatMap(UploadTask::lastError),
        failures.isEmpty() ? Optional.empty() : Optional.of(failures.get(0)),
        failures.isEmpty() ? Optional.empty() : Optional.of(failures.get(failures.size() - 1)),
        letter.receiveCount(),
        letter.sentAt(),
        letter.body());
  }

  /**
   * Whether a timeline entry records a failure: the task became FAILED, or its worker gave it back
   * with an error (a change whose reason is not the plain one for that change).
   */
  static boolean isFailure(Transition transition) {
    return transition.to() == TaskStatus.FAILED
        || !transition
            .reason()
            .equals(Transition.reasonFor(transition.from(), transition.to(), Optional.empty()));
  }

  /** The task id, or what the message is instead: for a table's task column. */
  public String taskLabel() {
    return switch (kind) {
      case TASK -> taskId.orElseThrow().value();
      case UNKNOWN_TASK -> taskId.orElseThrow().value() + " (no such task)";
      case NOT_A_TASK -> "not a task message";
    };
  }

  /** The JSON form; absent values are {@code null}. */
  public Map<String, Object> toJson() {
    var json = new LinkedHashMap<String, Object>();
    json.put("messageId", messageId);
    json.put("kind", kind.name());
    json.put("taskId", taskId.map(TaskId::value).orElse(null));
    json.put("taskStatus", taskStatus.map(TaskStatus::name).orElse(null));
    json.put("owner", owner.orElse(null));
    json.put("container", instance.orElse(null));
    json.put("path", path.orElse(null));
    json.put("attempts", attempts);
    json.put("lastError", lastError.map(JsonValues::error).orElse(null));
    json.put("firstFailureAt", firstFailureAt.map(JsonValues::timestamp).orElse(null));
    json.put("lastFailureAt", lastFailureAt.map(JsonValues::timestamp).orElse(null));
    json.put("receiveCount", receiveCount);
    json.put("sentAt", JsonValues.timestamp(sentAt));
    json.put("body", body);
    return json;
  }
}
