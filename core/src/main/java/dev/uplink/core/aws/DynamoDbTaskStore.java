package dev.uplink.core.aws;

import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.TaskConflictException;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskNotFoundException;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.TaskStore;
import dev.uplink.core.domain.UploadTask;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * {@link TaskStore} on a DynamoDB table keyed by {@code id} (a string), one item per task with flat
 * attributes. Every change is one conditional {@code UpdateItem}, so racing workers cannot both
 * win; a refused write comes back as a {@link TaskConflictException} carrying the item as it was
 * stored (DynamoDB returns it with the refusal: no second read).
 *
 * <h2>Attributes beyond the task's fields</h2>
 *
 * <ul>
 *   <li>{@code leaseUntil}: only while PROCESSING; removed by every change out of PROCESSING.
 *   <li>{@code openStatus}: a copy of {@code status} while the task is PENDING or PROCESSING,
 *       removed once it is DONE, FAILED or CANCELLED. It is the partition key of the sparse index
 *       {@value #OPEN_TASKS_INDEX} (sort key {@code updatedAt}), so the index holds only the few
 *       open tasks, never the millions of finished ones, and {@link #findStale} reads nothing else.
 *   <li>{@code expiresAt}: epoch seconds, the table's TTL attribute ({@value #TTL_ATTRIBUTE}): set
 *       to finish time + retention when a task reaches a terminal status; DynamoDB deletes the item
 *       some time after that.
 * </ul>
 *
 * <h2>Timestamps</h2>
 *
 * Written as ISO-8601 UTC with exactly nine fraction digits ({@code
 * 2026-11-22T10:15:30.120000000Z}): fixed width, so string order is time order and conditions and
 * key conditions can compare them ({@code leaseUntil <= :now}, {@code updatedAt < :before});
 * lossless, so every {@link Instant} round-trips exactly. Any ISO-8601 form is read.
 *
 * <p>Other SDK exceptions (throttling, network) propagate unchanged: they are transient and the
 * caller's retry policy decides.
 */
public final class DynamoDbTaskStore implements TaskStore {

  /** The sparse index of open tasks: partition {@code openStatus}, sort {@code updatedAt}. */
  public static final String OPEN_TASKS_INDEX = "openStatus-updatedAt";

  /** The attribute DynamoDB's time to live reads: epoch seconds. */
  public static final String TTL_ATTRIBUTE = "expiresAt";

  /** How long finished tasks are kept unless told otherwise. */
  public static final Duration DEFAULT_RETENTION = Duration.ofDays(30);

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
  static final String OPEN_STATUS = "openStatus";
  static final String ATTEMPTS = "attempts";
  static final String ERROR_CODE = "errorCode";
  static final String ERROR_MESSAGE = "errorMessage";
  static final String LEASE_UNTIL = "leaseUntil";
  static final String EXPIRES_AT = TTL_ATTRIBUTE;
  static final String CREATED_AT = "createdAt";
  static final String UPDATED_AT = "updatedAt";

  /** Fixed-width ISO-8601 UTC: string order is time order. */
  private static final DateTimeFormatter TIMESTAMP =
      new DateTimeFormatterBuilder().appendInstant(9).toFormatter();

  private final DynamoDbClient client;
  private final String table;
  private final Duration retention;

  /** A store keeping finished tasks for {@link #DEFAULT_RETENTION}. */
  public DynamoDbTaskStore(DynamoDbClient client, String table) {
    this(client, table, DEFAULT_RETENTION);
  }

  /**
   * @param taskRetention how long after reaching DONE, FAILED or CANCELLED a task is kept before
   *     DynamoDB's TTL deletes it
   */
  public DynamoDbTaskStore(DynamoDbClient client, String table, Duration taskRetention) {
    this.client = Objects.requireNonNull(client, "client");
    this.table = Objects.requireNonNull(table, "table");
    this.retention = Objects.requireNonNull(taskRetention, "taskRetention");
    if (taskRetention.isNegative() || taskRetention.isZero()) {
      throw new IllegalArgumentException("taskRetention must be positive, got " + taskRetention);
    }
  }

  /**
   * The table this store expects: partition key {@code id} (string), the sparse index {@value
   * #OPEN_TASKS_INDEX} (all attributes projected), on-demand capacity. Provisioning creates exactly
   * this, so the store and the table cannot drift apart; time to live on {@value #TTL_ATTRIBUTE} is
   * enabled separately (DynamoDB has no CreateTable option for it).
   */
  public static CreateTableRequest tableDefinition(String table) {
    return CreateTableRequest.builder()
        .tableName(table)
        .attributeDefinitions(
            stringAttribute(ID), stringAttribute(OPEN_STATUS), stringAttribute(UPDATED_AT))
        .keySchema(hashKey(ID))
        .globalSecondaryIndexes(openTasksIndex())
        .billingMode(BillingMode.PAY_PER_REQUEST)
        .build();
  }

  /** The index {@link #findStale} queries; a later index (by owner) is added beside it. */
  public static GlobalSecondaryIndex openTasksIndex() {
    return GlobalSecondaryIndex.builder()
        .indexName(OPEN_TASKS_INDEX)
        .keySchema(
            hashKey(OPEN_STATUS),
            KeySchemaElement.builder().attributeName(UPDATED_AT).keyType(KeyType.RANGE).build())
        .projection(p -> p.projectionType(ProjectionType.ALL))
        .build();
  }

  private static AttributeDefinition stringAttribute(String name) {
    return AttributeDefinition.builder()
        .attributeName(name)
        .attributeType(ScalarAttributeType.S)
        .build();
  }

  private static KeySchemaElement hashKey(String name) {
    return KeySchemaElement.builder().attributeName(name).keyType(KeyType.HASH).build();
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

  /**
   * One conditional write whose condition is {@link UploadTask#claimVerdict} in DynamoDB's words:
   * PENDING, or PROCESSING with no lease or a lease not after {@code now}.
   */
  @Override
  public UploadTask claim(TaskId id, Instant now, Duration lease) {
    Objects.requireNonNull(now, "now");
    if (lease.isNegative() || lease.isZero()) {
      throw new IllegalArgumentException("lease must be positive, got " + lease);
    }
    var write = new Write();
    write.value(":pending", TaskStatus.PENDING.name());
    write.value(":processing", TaskStatus.PROCESSING.name());
    write.value(":now", timestamp(now));
    write.value(":lease", timestamp(now.plus(lease)));
    write.value(":one", n(1));
    write.set("#status = :processing");
    write.set("#openStatus = :processing");
    write.set("#attempts = #attempts + :one");
    write.set("#leaseUntil = :lease");
    write.set("#updatedAt = :now");
    return write.apply(
        id,
        "#status = :pending OR (#status = :processing AND"
            + " (attribute_not_exists(#leaseUntil) OR #leaseUntil <= :now))",
        current ->
            "not claimable: it is "
                + current.status()
                + current.leaseUntil().map(until -> " leased until " + until).orElse(""));
  }

  @Override
  public UploadTask extendLease(TaskId id, int attempt, Instant until) {
    Objects.requireNonNull(until, "until");
    var write = fencedWrite(attempt);
    write.value(":until", timestamp(until));
    write.set("#leaseUntil = :until");
    return write.apply(id, fence(), current -> fenceRefusal(attempt, current));
  }

  @Override
  public UploadTask finish(
      TaskId id, int attempt, TaskStatus to, Optional<TaskError> error, Instant now) {
    Objects.requireNonNull(error, "error");
    TaskStatus.PROCESSING.requireChangeTo(to);
    var write = fencedWrite(attempt);
    write.changeStatus(to, error, now, retention);
    return write.apply(id, fence(), current -> fenceRefusal(attempt, current));
  }

  /**
   * {@inheritDoc}
   *
   * <p>Not for claims: {@code to} PROCESSING is refused ({@link #claim} sets the lease). Leaving
   * PROCESSING this way is unfenced and clears the lease; workers use {@link #finish}.
   */
  @Override
  public UploadTask transition(
      TaskId id, TaskStatus from, TaskStatus to, Optional<TaskError> error, Instant now) {
    Objects.requireNonNull(error, "error");
    from.requireChangeTo(to);
    if (to == TaskStatus.PROCESSING) {
      throw new IllegalArgumentException("a task becomes PROCESSING only by claim()");
    }
    var write = new Write();
    write.value(":from", from.name());
    write.changeStatus(to, error, now, retention);
    return write.apply(
        id,
        "#status = :from",
        current ->
            "expected status " + from + " to change to " + to + " but it is " + current.status());
  }

  /**
   * Two queries on the sparse index {@value #OPEN_TASKS_INDEX}: PENDING with {@code updatedAt}
   * before {@code pendingBefore} (a key condition: reads only matches), and PROCESSING whose lease
   * is absent or not after {@code now} (a filter over the PROCESSING tasks, as many as there are
   * pushes in flight). Merged oldest {@code updatedAt} first. Index reads are eventually
   * consistent: a task that changed a moment ago may still show its old state, which is harmless to
   * a reconciler (a duplicate message is discarded by the claim rule).
   */
  @Override
  public List<UploadTask> findStale(Instant pendingBefore, Instant now, int limit) {
    Objects.requireNonNull(pendingBefore, "pendingBefore");
    Objects.requireNonNull(now, "now");
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, got " + limit);
    }
    var stale = new ArrayList<UploadTask>();
    stale.addAll(
        queryOpen(
            QueryRequest.builder()
                .keyConditionExpression("#openStatus = :pending AND #updatedAt < :before")
                .expressionAttributeNames(
                    Map.of("#openStatus", OPEN_STATUS, "#updatedAt", UPDATED_AT))
                .expressionAttributeValues(
                    Map.of(
                        ":pending", s(TaskStatus.PENDING.name()),
                        ":before", s(timestamp(pendingBefore)))),
            limit));
    stale.addAll(
        queryOpen(
            QueryRequest.builder()
                .keyConditionExpression("#openStatus = :processing")
                .filterExpression("attribute_not_exists(#leaseUntil) OR #leaseUntil <= :now")
                .expressionAttributeNames(
                    Map.of("#openStatus", OPEN_STATUS, "#leaseUntil", LEASE_UNTIL))
                .expressionAttributeValues(
                    Map.of(
                        ":processing", s(TaskStatus.PROCESSING.name()),
                        ":now", s(timestamp(now)))),
            limit));
    stale.sort(
        Comparator.comparing(UploadTask::updatedAt).thenComparing(task -> task.id().value()));
    return List.copyOf(stale.subList(0, Math.min(limit, stale.size())));
  }

  /** Up to {@code limit} matches of one index query, in index order, following pages. */
  private List<UploadTask> queryOpen(QueryRequest.Builder query, int limit) {
    var found = new ArrayList<UploadTask>();
    Map<String, AttributeValue> startKey = null;
    do {
      Map<String, AttributeValue> from = startKey;
      QueryResponse page =
          client.query(
              query
                  .tableName(table)
                  .indexName(OPEN_TASKS_INDEX)
                  .scanIndexForward(true)
                  .limit(limit - found.size())
                  .exclusiveStartKey(from)
                  .build());
      page.items().forEach(item -> found.add(toTask(item)));
      startKey =
          page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty()
              ? page.lastEvaluatedKey()
              : null;
    } while (startKey != null && found.size() < limit);
    return found;
  }

  private Write fencedWrite(int attempt) {
    var write = new Write();
    write.value(":processing", TaskStatus.PROCESSING.name());
    write.value(":attempt", n(attempt));
    return write;
  }

  private static String fence() {
    return "#status = :processing AND #attempts = :attempt";
  }

  private static String fenceRefusal(int attempt, UploadTask current) {
    return "claim attempt "
        + attempt
        + " no longer holds it: it is "
        + current.status()
        + " at attempt "
        + current.attempts();
  }

  /** One conditional {@code UpdateItem} under construction. */
  private final class Write {
    private final Map<String, String> names = new HashMap<>();
    private final Map<String, AttributeValue> values = new HashMap<>();
    private final List<String> sets = new ArrayList<>();
    private final List<String> removes = new ArrayList<>();

    Write() {
      names.put("#status", STATUS);
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

    /**
     * A status change that is not a claim: the new status, the error (a previous one stays when
     * none is given: it is the task's history), no lease, and the index and TTL attributes to
     * match.
     */
    void changeStatus(TaskStatus to, Optional<TaskError> error, Instant now, Duration retention) {
      Objects.requireNonNull(now, "now");
      value(":to", to.name());
      value(":now", timestamp(now));
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
      if (to.isTerminal()) {
        value(":expiresAt", n(expiry(now, retention)));
        set("#expiresAt = :expiresAt");
        remove("#openStatus");
      } else {
        set("#openStatus = :to");
        remove("#expiresAt");
      }
    }

    UploadTask apply(TaskId id, String condition, Function<UploadTask, String> refusal) {
      for (String attribute :
          List.of(
              OPEN_STATUS,
              ATTEMPTS,
              LEASE_UNTIL,
              UPDATED_AT,
              ERROR_CODE,
              ERROR_MESSAGE,
              EXPIRES_AT)) {
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
                        .key(key(id))
                        .updateExpression(update.toString())
                        .conditionExpression(condition)
                        .expressionAttributeNames(names)
                        .expressionAttributeValues(values)
                        .returnValues(ReturnValue.ALL_NEW)
                        .returnValuesOnConditionCheckFailure(
                            ReturnValuesOnConditionCheckFailure.ALL_OLD));
        return toTask(response.attributes());
      } catch (ConditionalCheckFailedException e) {
        Optional<UploadTask> current = storedItem(e).map(DynamoDbTaskStore.this::toTask);
        RuntimeException refused =
            current.isEmpty()
                ? new TaskNotFoundException(id)
                : new TaskConflictException(id, refusal.apply(current.get()), current);
        refused.initCause(e);
        throw refused;
      }
    }
  }

  private static long expiry(Instant finishedAt, Duration retention) {
    return finishedAt.plus(retention).getEpochSecond();
  }

  static String timestamp(Instant instant) {
    return TIMESTAMP.format(instant);
  }

  private static Optional<Map<String, AttributeValue>> storedItem(
      ConditionalCheckFailedException e) {
    return e.hasItem() && !e.item().isEmpty() ? Optional.of(e.item()) : Optional.empty();
  }

  private static Map<String, AttributeValue> key(TaskId id) {
    return Map.of(ID, s(id.value()));
  }

  private Map<String, AttributeValue> toItem(UploadTask task) {
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
    task.leaseUntil().ifPresent(until -> item.put(LEASE_UNTIL, s(timestamp(until))));
    if (task.status().isTerminal()) {
      item.put(EXPIRES_AT, n(expiry(task.updatedAt(), retention)));
    } else {
      item.put(OPEN_STATUS, s(task.status().name()));
    }
    item.put(CREATED_AT, s(timestamp(task.createdAt())));
    item.put(UPDATED_AT, s(timestamp(task.updatedAt())));
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
        item.containsKey(LEASE_UNTIL)
            ? Optional.of(Instant.parse(reader.text(LEASE_UNTIL)))
            : Optional.empty(),
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
