package dev.uplink.core.aws;

import static dev.uplink.core.aws.TaskItem.n;
import static dev.uplink.core.aws.TaskItem.s;

import dev.uplink.core.domain.TaskConflictException;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskNotFoundException;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.Transition;
import dev.uplink.core.domain.UploadTask;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * One conditional {@code UpdateItem} of a task item under construction: every change to a task is
 * one, so racing workers cannot both win. A refused write comes back as a {@link
 * TaskConflictException} carrying the item as it was stored (DynamoDB returns it with the refusal:
 * no second read), or {@link TaskNotFoundException} when there is none.
 *
 * <p>A <em>fenced</em> update ({@link #fenced}) holds only while the task is PROCESSING under the
 * caller's claim attempt: a worker whose claim was taken over can no longer change the task.
 */
final class ConditionalUpdate {

  /** The attributes an expression may name by placeholder ({@code #name}) besides the status. */
  private static final List<String> PLACEHOLDERS =
      List.of(
          TaskTable.OPEN_STATUS,
          TaskTable.ATTEMPTS,
          TaskTable.BYTES_PUSHED,
          TaskTable.SIZE,
          TaskTable.LEASE_UNTIL,
          TaskTable.UPDATED_AT,
          TaskTable.ERROR_CODE,
          TaskTable.ERROR_MESSAGE,
          TaskTable.EXPIRES_AT,
          TimelineAttribute.NAME);

  private static final String FENCE = "#status = :processing AND #attempts = :attempt";

  private final DynamoDbClient client;
  private final String table;
  private final Map<String, String> names = new HashMap<>();
  private final Map<String, AttributeValue> values = new HashMap<>();
  private final List<String> sets = new ArrayList<>();
  private final List<String> removes = new ArrayList<>();

  ConditionalUpdate(DynamoDbClient client, String table) {
    this.client = Objects.requireNonNull(client, "client");
    this.table = Objects.requireNonNull(table, "table");
    names.put("#status", TaskTable.STATUS);
  }

  /** An update that {@link #applyFenced applies} only under claim {@code attempt}. */
  static ConditionalUpdate fenced(DynamoDbClient client, String table, int attempt) {
    var update = new ConditionalUpdate(client, table);
    update.value(":processing", TaskStatus.PROCESSING.name());
    update.value(":attempt", n(attempt));
    return update;
  }

  void value(String name, String value) {
    values.put(name, s(value));
  }

  void value(String name, AttributeValue value) {
    values.put(name, value);
  }

  void set(String assignment) {
    sets.add(assignment);
  }

  void remove(String name) {
    removes.add(name);
  }

  /** Appends an entry to the task's timeline in the same write. */
  void append(TaskStatus to, Instant now, String reason) {
    value(
        ":timelineEntry", AttributeValue.fromL(List.of(TimelineAttribute.entry(now, to, reason))));
    value(":noTimeline", AttributeValue.fromL(List.of()));
    set("#timeline = list_append(if_not_exists(#timeline, :noTimeline), :timelineEntry)");
  }

  /**
   * A status change that is not a claim: the new status, the error (a previous one stays when none
   * is given: it is the task's history), no lease, and the index and TTL attributes to match: an
   * open task is in the sparse indexes, a terminal one expires {@code retention} after {@code now}.
   */
  void changeStatus(
      TaskStatus from, TaskStatus to, Optional<TaskError> error, Instant now, Duration retention) {
    Objects.requireNonNull(now, "now");
    append(to, now, Transition.reasonFor(Optional.of(from), to, error));
    value(":to", to.name());
    value(":now", TaskItem.timestamp(now));
    set("#status = :to");
    set("#updatedAt = :now");
    error.ifPresent(
        e -> {
          value(":errorCode", e.code());
          value(":errorMessage", e.message());
          set("#errorCode = :errorCode");
          set("#errorMessage = :errorMessage");
        });
    remove("#leaseUntil");
    if (to.isOpen()) {
      set("#openStatus = :to");
      remove("#expiresAt");
    } else {
      value(":expiresAt", n(TaskItem.expiry(now, retention)));
      set("#expiresAt = :expiresAt");
      remove("#openStatus");
    }
  }

  /** Applies a {@link #fenced} update; refused unless the task is still held by {@code attempt}. */
  UploadTask applyFenced(TaskId id, int attempt) {
    return apply(
        id,
        FENCE,
        current ->
            "claim attempt "
                + attempt
                + " no longer holds it: it is "
                + current.status()
                + " at attempt "
                + current.attempts());
  }

  /**
   * Writes the update if {@code condition} holds; returns the task as written.
   *
   * @param refusal why the condition failed, given the task as it is stored
   * @throws TaskConflictException if the condition failed, with the stored task
   * @throws TaskNotFoundException if there is no such task
   */
  UploadTask apply(TaskId id, String condition, Function<UploadTask, String> refusal) {
    for (String attribute : PLACEHOLDERS) {
      String placeholder = "#" + attribute;
      if (condition.contains(placeholder)
          || sets.stream().anyMatch(a -> a.contains(placeholder))
          || removes.contains(placeholder)) {
        names.put(placeholder, attribute);
      }
    }
    var update = new StringBuilder("SET ").append(String.join(", ", sets));
    if (!removes.isEmpty()) {
      update.append(" REMOVE ").append(String.join(", ", removes));
    }
    try {
      var response =
          client.updateItem(
              r ->
                  r.tableName(table)
                      .key(TaskItem.key(id))
                      .updateExpression(update.toString())
                      .conditionExpression(condition)
                      .expressionAttributeNames(names)
                      .expressionAttributeValues(values)
                      .returnValues(ReturnValue.ALL_NEW)
                      .returnValuesOnConditionCheckFailure(
                          ReturnValuesOnConditionCheckFailure.ALL_OLD));
      return TaskItem.toTask(table, response.attributes());
    } catch (ConditionalCheckFailedException e) {
      Optional<UploadTask> current = storedItem(e).map(item -> TaskItem.toTask(table, item));
      RuntimeException refused =
          current.isEmpty()
              ? new TaskNotFoundException(id)
              : new TaskConflictException(id, refusal.apply(current.get()), current);
      refused.initCause(e);
      throw refused;
    }
  }

  /** The refusal of a put of {@code task}, whose id is taken by {@code stored}. */
  static TaskConflictException alreadyExists(
      String table,
      UploadTask task,
      Optional<Map<String, AttributeValue>> stored,
      Exception cause) {
    var conflict =
        new TaskConflictException(
            task.id(), "already exists", stored.map(item -> TaskItem.toTask(table, item)));
    conflict.initCause(cause);
    return conflict;
  }

  /** The item a refused write found, which DynamoDB returns with the refusal. */
  static Optional<Map<String, AttributeValue>> storedItem(ConditionalCheckFailedException e) {
    return e.hasItem() && !e.item().isEmpty() ? Optional.of(e.item()) : Optional.empty();
  }
}
