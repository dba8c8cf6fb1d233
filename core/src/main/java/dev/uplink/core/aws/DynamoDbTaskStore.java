package dev.uplink.core.aws;

import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.TaskConflictException;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskNotFoundException;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.TaskStore;
import dev.uplink.core.domain.UploadTask;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * {@link TaskStore} on a DynamoDB table keyed by {@code id} (a string), one item per task with flat
 * attributes. Every status change is one conditional {@code UpdateItem} on the expected status, so
 * racing workers cannot both win; a refused write comes back as a {@link TaskConflictException}
 * carrying the item as it was stored (DynamoDB returns it with the refusal: no second read).
 *
 * <p>Other SDK exceptions (throttling, network) propagate unchanged: they are transient and the
 * caller's retry policy decides.
 */
public final class DynamoDbTaskStore implements TaskStore {

  static final String ID = "id";
  static final String OWNER = "owner";
  static final String INSTANCE = "instance";
  static final String PATH = "path";
  static final String MODE = "mode";
  static final String UID = "uid";
  static final String GID = "gid";
  static final String OBJECT_KEY = "objectKey";
  static final String SIZE = "size";
  static final String SHA256 = "sha256";
  static final String STATUS = "status";
  static final String ATTEMPTS = "attempts";
  static final String ERROR_CODE = "errorCode";
  static final String ERROR_MESSAGE = "errorMessage";
  static final String CREATED_AT = "createdAt";
  static final String UPDATED_AT = "updatedAt";

  private final DynamoDbClient client;
  private final String table;

  public DynamoDbTaskStore(DynamoDbClient client, String table) {
    this.client = Objects.requireNonNull(client, "client");
    this.table = Objects.requireNonNull(table, "table");
  }

  /**
   * The table this store expects: partition key {@code id} (string), on-demand capacity.
   * Provisioning creates exactly this, so the store and the table cannot drift apart.
   */
  public static CreateTableRequest tableDefinition(String table) {
    return CreateTableRequest.builder()
        .tableName(table)
        .attributeDefinitions(
            AttributeDefinition.builder()
                .attributeName(ID)
                .attributeType(ScalarAttributeType.S)
                .build())
        .keySchema(KeySchemaElement.builder().attributeName(ID).keyType(KeyType.HASH).build())
        .billingMode(BillingMode.PAY_PER_REQUEST)
        .build();
  }

  @Override
  public void create(UploadTask task) {
    try {
      client.putItem(
          r ->
              r.tableName(table)
                  .item(toItem(task))
                  .conditionExpression("attribute_not_exists(#id)")
                  .expressionAttributeNames(Map.of("#id", ID))
                  .returnValuesOnConditionCheckFailure(
                      ReturnValuesOnConditionCheckFailure.ALL_OLD));
    } catch (ConditionalCheckFailedException e) {
      var conflict =
          new TaskConflictException(task.id(), "already exists", storedItem(e).map(this::toTask));
      conflict.initCause(e);
      throw conflict;
    }
  }

  @Override
  public Optional<UploadTask> find(TaskId id) {
    var response = client.getItem(r -> r.tableName(table).key(key(id)).consistentRead(true));
    return response.hasItem() && !response.item().isEmpty()
        ? Optional.of(toTask(response.item()))
        : Optional.empty();
  }

  @Override
  public UploadTask claim(TaskId id, Instant now) {
    return update(id, TaskStatus.PENDING, TaskStatus.PROCESSING, Optional.empty(), true, now);
  }

  @Override
  public UploadTask transition(
      TaskId id, TaskStatus from, TaskStatus to, Optional<TaskError> error, Instant now) {
    Objects.requireNonNull(error, "error");
    from.requireChangeTo(to);
    return update(id, from, to, error, false, now);
  }

  /**
   * One conditional write: {@code from} to {@code to}, optionally counting an attempt and recording
   * an error. A previous error stays when none is given: it is the task's history.
   */
  private UploadTask update(
      TaskId id,
      TaskStatus from,
      TaskStatus to,
      Optional<TaskError> error,
      boolean countAttempt,
      Instant now) {
    var names = new HashMap<String, String>();
    var values = new HashMap<String, AttributeValue>();
    names.put("#status", STATUS);
    names.put("#updatedAt", UPDATED_AT);
    values.put(":from", s(from.name()));
    values.put(":to", s(to.name()));
    values.put(":now", s(now.toString()));
    var set = new StringBuilder("SET #status = :to, #updatedAt = :now");
    if (countAttempt) {
      names.put("#attempts", ATTEMPTS);
      values.put(":one", n(1));
      set.append(", #attempts = #attempts + :one");
    }
    error.ifPresent(
        e -> {
          names.put("#errorCode", ERROR_CODE);
          names.put("#errorMessage", ERROR_MESSAGE);
          values.put(":errorCode", s(e.code()));
          values.put(":errorMessage", s(e.message()));
          set.append(", #errorCode = :errorCode, #errorMessage = :errorMessage");
        });
    try {
      var response =
          client.updateItem(
              r ->
                  r.tableName(table)
                      .key(key(id))
                      .updateExpression(set.toString())
                      .conditionExpression("#status = :from")
                      .expressionAttributeNames(names)
                      .expressionAttributeValues(values)
                      .returnValues(ReturnValue.ALL_NEW)
                      .returnValuesOnConditionCheckFailure(
                          ReturnValuesOnConditionCheckFailure.ALL_OLD));
      return toTask(response.attributes());
    } catch (ConditionalCheckFailedException e) {
      Optional<UploadTask> current = storedItem(e).map(this::toTask);
      RuntimeException refusal =
          current.isEmpty()
              ? new TaskNotFoundException(id)
              : new TaskConflictException(
                  id,
                  "expected status "
                      + from
                      + " to change to "
                      + to
                      + " but it is "
                      + current.get().status(),
                  current);
      refusal.initCause(e);
      throw refusal;
    }
  }

  private static Optional<Map<String, AttributeValue>> storedItem(
      ConditionalCheckFailedException e) {
    return e.hasItem() && !e.item().isEmpty() ? Optional.of(e.item()) : Optional.empty();
  }

  private static Map<String, AttributeValue> key(TaskId id) {
    return Map.of(ID, s(id.value()));
  }

  private static Map<String, AttributeValue> toItem(UploadTask task) {
    var item = new HashMap<String, AttributeValue>();
    Destination destination = task.destination();
    item.put(ID, s(task.id().value()));
    item.put(OWNER, s(task.owner()));
    item.put(INSTANCE, s(destination.instance()));
    item.put(PATH, s(destination.path()));
    item.put(MODE, n(destination.mode()));
    item.put(UID, n(destination.uid()));
    item.put(GID, n(destination.gid()));
    item.put(OBJECT_KEY, s(task.objectKey()));
    item.put(SIZE, n(task.size()));
    item.put(SHA256, s(task.sha256()));
    item.put(STATUS, s(task.status().name()));
    item.put(ATTEMPTS, n(task.attempts()));
    task.lastError()
        .ifPresent(
            e -> {
              item.put(ERROR_CODE, s(e.code()));
              item.put(ERROR_MESSAGE, s(e.message()));
            });
    item.put(CREATED_AT, s(task.createdAt().toString()));
    item.put(UPDATED_AT, s(task.updatedAt().toString()));
    return item;
  }

  private UploadTask toTask(Map<String, AttributeValue> item) {
    var reader = new ItemReader(table, item);
    Optional<TaskError> lastError =
        item.containsKey(ERROR_CODE)
            ? Optional.of(new TaskError(reader.text(ERROR_CODE), reader.text(ERROR_MESSAGE)))
            : Optional.empty();
    return new UploadTask(
        new TaskId(reader.text(ID)),
        reader.text(OWNER),
        new Destination(
            reader.text(INSTANCE),
            reader.text(PATH),
            (int) reader.number(MODE),
            reader.number(UID),
            reader.number(GID)),
        reader.text(OBJECT_KEY),
        reader.number(SIZE),
        reader.text(SHA256),
        TaskStatus.valueOf(reader.text(STATUS)),
        (int) reader.number(ATTEMPTS),
        lastError,
        Instant.parse(reader.text(CREATED_AT)),
        Instant.parse(reader.text(UPDATED_AT)));
  }

  private static AttributeValue s(String value) {
    return AttributeValue.fromS(value);
  }

  private static AttributeValue n(long value) {
    return AttributeValue.fromN(Long.toString(value));
  }

  /** Reads required attributes, naming the table, item and attribute when one is missing. */
  private record ItemReader(String table, Map<String, AttributeValue> item) {

    String text(String name) {
      String value = attribute(name).s();
      if (value == null) {
        throw malformed(name, "is not a string");
      }
      return value;
    }

    long number(String name) {
      String value = attribute(name).n();
      if (value == null) {
        throw malformed(name, "is not a number");
      }
      try {
        return Long.parseLong(value);
      } catch (NumberFormatException e) {
        throw malformed(name, "is not a whole number: " + value);
      }
    }

    private AttributeValue attribute(String name) {
      AttributeValue value = item.get(name);
      if (value == null) {
        throw malformed(name, "is missing");
      }
      return value;
    }

    private IllegalStateException malformed(String name, String problem) {
      AttributeValue id = item.get(ID);
      return new IllegalStateException(
          "Task item %s in table %s is malformed: attribute %s %s"
              .formatted(id == null ? "(no id)" : id.s(), table, name, problem));
    }
  }
}
