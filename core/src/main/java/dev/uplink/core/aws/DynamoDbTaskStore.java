package dev.uplink.core.aws;

import dev.uplink.core.domain.AwaitingUpload;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.DirectUpload;
import dev.uplink.core.domain.IdempotencyKeyTakenException;
import dev.uplink.core.domain.TaskConflictException;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskNotFoundException;
import dev.uplink.core.domain.TaskPage;
import dev.uplink.core.domain.TaskQuery;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.TaskStore;
import dev.uplink.core.domain.Transition;
import dev.uplink.core.domain.UploadTask;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

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
 *   <li>{@code openStatus}: a copy of {@code status} while the task is not finished
 *       (AWAITING_UPLOAD, PENDING or PROCESSING), removed once it is DONE, FAILED or CANCELLED. It
 *       is the partition key of the sparse index {@value #OPEN_TASKS_INDEX} (sort key {@code
 *       updatedAt}), so the index holds only the few open tasks, never the millions of finished
 *       ones, and {@link #findStale} reads nothing else. It is also the partition key of the sparse
 *       index {@value #UPLOAD_DEADLINES_INDEX} (sort key {@code uploadExpiresAt}, which only
 *       presigned uploads have), which {@link #findAwaitingUploads} reads: the tasks awaiting their
 *       upload by deadline, each with only what a sweep needs to choose ({@code owner}, {@code
 *       objectKey}, {@code multipartUploadId}).
 *   <li>{@code expiresAt}: epoch seconds, the table's TTL attribute ({@value #TTL_ATTRIBUTE}): set
 *       to finish time + retention when a task reaches a terminal status; DynamoDB deletes the item
 *       some time after that.
 * </ul>
 *
 * Every task item carries {@code owner}, the partition key of the index {@value #OWNER_INDEX} (sort
 * key {@code id}: task ids are ULIDs, so id order is creation order) that {@link #list} reads.
 *
 * <h2>Idempotency keys</h2>
 *
 * An owner's key is a second item in the same table, its <em>guard</em>: {@code id} = {@value
 * #IDEMPOTENCY_PREFIX} + hex SHA-256 of owner, NUL, key (fixed length, and neither the owner nor
 * the key appears in a key), {@code taskId} = the task it names, {@code expiresAt} = when it was
 * taken + {@link TaskStore#IDEMPOTENCY_WINDOW} (so TTL deletes it). A guard carries neither {@code
 * owner} nor {@code openStatus}, so it is in neither index. {@link #create} writes the task and its
 * guard in one transaction; a guard whose window has passed but which TTL has not deleted yet (TTL
 * deletes within days, not at once) may be taken over. The task item keeps the key too ({@code
 * idempotencyKey}).
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

  /**
   * The sparse index of open presigned uploads: partition {@code openStatus}, sort {@code
   * uploadExpiresAt}.
   */
  public static final String UPLOAD_DEADLINES_INDEX = "openStatus-uploadExpiresAt";

  /** The index of every task by owner: partition {@code owner}, sort {@code id}. */
  public static final String OWNER_INDEX = "owner-id";

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
  static final String MULTIPART_UPLOAD_ID = "multipartUploadId";
  static final String PART_SIZE = "partSize";
  static final String UPLOAD_EXPIRES_AT = "uploadExpiresAt";
  static final String BYTES_PUSHED = "bytesPushed";
  static final String IDEMPOTENCY_KEY = "idempotencyKey";
  static final String SEAL = "seal";

  /** The start of a guard item's {@code id}; no task id contains {@code #}. */
  static final String IDEMPOTENCY_PREFIX = "idempotency#";

  /** A guard item's attribute naming the task its key was taken for. */
  static final String GUARD_TASK_ID = "taskId";

  /**
   * How many items one request of a filtered {@link #list} may read: a filter is applied after
   * reading, so asking for only as many as are still missing would take a round trip per few items
   * when few match.
   */
  private static final int FILTERED_READ = 200;

  /**
   * How often {@link #create} with an idempotency key tries its transaction while DynamoDB cancels
   * it for a conflict with another transaction on the same items (two creates racing for one key).
   */
  private static final int TRANSACTION_ATTEMPTS = 5;

  /** Fixed-width ISO-8601 UTC: string order is time order. */
  private static final DateTimeFormatter TIMESTAMP =
      new DateTimeFormatterBuilder().appendInstant(9).toFormatter();

  private final DynamoDbClient client;
  private final String table;
  private final Duration retention;
  private final Clock clock;

  /** A store keeping finished tasks for {@link #DEFAULT_RETENTION}. */
  public DynamoDbTaskStore(DynamoDbClient client, String table) {
    this(client, table, DEFAULT_RETENTION);
  }

  /**
   * @param taskRetention how long after reaching DONE, FAILED or CANCELLED a task is kept before
   *     DynamoDB's TTL deletes it
   */
  public DynamoDbTaskStore(DynamoDbClient client, String table, Duration taskRetention) {
    this(client, table, taskRetention, Clock.systemUTC());
  }

  /**
   * @param taskRetention how long after reaching DONE, FAILED or CANCELLED a task is kept before
   *     DynamoDB's TTL deletes it
   * @param clock when idempotency keys are taken and when their window ends
   */
  public DynamoDbTaskStore(
      DynamoDbClient client, String table, Duration taskRetention, Clock clock) {
    this.client = Objects.requireNonNull(client, "client");
    this.table = Objects.requireNonNull(table, "table");
    this.retention = Objects.requireNonNull(taskRetention, "taskRetention");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (taskRetention.isNegative() || taskRetention.isZero()) {
      throw new IllegalArgumentException("taskRetention must be positive, got " + taskRetention);
    }
  }

  /**
   * The table this store expects: partition key {@code id} (string), the sparse index {@value
   * #OPEN_TASKS_INDEX} and the index {@value #OWNER_INDEX} (all attributes projected into both),
   * the sparse index {@value #UPLOAD_DEADLINES_INDEX} (a few attributes), on-demand capacity.
   * Provisioning creates exactly this, so the store and the table cannot drift apart; time to live
   * on {@value #TTL_ATTRIBUTE} is enabled separately (DynamoDB has no CreateTable option for it).
   */
  public static CreateTableRequest tableDefinition(String table) {
    return CreateTableRequest.builder()
        .tableName(table)
        .attributeDefinitions(
            stringAttribute(ID),
            stringAttribute(OPEN_STATUS),
            stringAttribute(UPDATED_AT),
            stringAttribute(OWNER),
            stringAttribute(UPLOAD_EXPIRES_AT))
        .keySchema(hashKey(ID))
        .globalSecondaryIndexes(openTasksIndex(), ownerIndex(), uploadDeadlinesIndex())
        .billingMode(BillingMode.PAY_PER_REQUEST)
        .build();
  }

  /**
   * The index {@link #list} queries: every task by owner, newest (highest id) last. Every task item
   * has always carried {@code owner}, so adding this index to an older table loses no task:
   * DynamoDB fills it from the items already there.
   */
  public static GlobalSecondaryIndex ownerIndex() {
    return GlobalSecondaryIndex.builder()
        .indexName(OWNER_INDEX)
        .keySchema(
            hashKey(OWNER),
            KeySchemaElement.builder().attributeName(ID).keyType(KeyType.RANGE).build())
        .projection(p -> p.projectionType(ProjectionType.ALL))
        .build();
  }

  /**
   * The index {@link #findAwaitingUploads} queries: open presigned uploads by deadline, with what a
   * sweep needs to choose which to look at. Every presigned upload's item has always carried {@code
   * openStatus} and {@code uploadExpiresAt}, so adding this index to an older table loses none:
   * DynamoDB fills it from the items already there.
   */
  public static GlobalSecondaryIndex uploadDeadlinesIndex() {
    return GlobalSecondaryIndex.builder()
        .indexName(UPLOAD_DEADLINES_INDEX)
        .keySchema(
            hashKey(OPEN_STATUS),
            KeySchemaElement.builder()
                .attributeName(UPLOAD_EXPIRES_AT)
                .keyType(KeyType.RANGE)
                .build())
        .projection(
            p ->
                p.projectionType(ProjectionType.INCLUDE)
                    .nonKeyAttributes(OWNER, OBJECT_KEY, MULTIPART_UPLOAD_ID))
        .build();
  }

  /** The index {@link #findStale} queries. */
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

  /**
   * {@inheritDoc}
   *
   * <p>Without a key: one conditional {@code PutItem}. With one: a transaction putting the task (if
   * its id is new) and the owner's guard for the key (if there is none or its window has passed),
   * tried again while DynamoDB cancels it only because another transaction held the same items.
   */
  @Override
  public void create(UploadTask task) {
    if (task.idempotencyKey().isPresent()) {
      createUnderKey(task, task.idempotencyKey().get());
      return;
    }
    Put put = newTask(task);
    try {
      client.putItem(
          r ->
              r.tableName(put.tableName())
                  .item(put.item())
                  .conditionExpression(put.conditionExpression())
                  .expressionAttributeNames(put.expressionAttributeNames())
                  .returnValuesOnConditionCheckFailure(
                      ReturnValuesOnConditionCheckFailure.ALL_OLD));
    } catch (ConditionalCheckFailedException e) {
      throw alreadyExists(task, storedItem(e), e);
    }
  }

  private Put newTask(UploadTask task) {
    return Put.builder()
        .tableName(table)
        .item(toItem(task))
        .conditionExpression("attribute_not_exists(#id)")
        .expressionAttributeNames(Map.of("#id", ID))
        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
        .build();
  }

  private TaskConflictException alreadyExists(
      UploadTask task, Optional<Map<String, AttributeValue>> stored, Exception cause) {
    var conflict = new TaskConflictException(task.id(), "already exists", stored.map(this::toTask));
    conflict.initCause(cause);
    return conflict;
  }

  private void createUnderKey(UploadTask task, String key) {
    for (int attempt = 1; ; attempt++) {
      Instant now = clock.instant();
      var guard =
          Put.builder()
              .tableName(table)
              .item(
                  Map.of(
                      ID,
                      s(guardId(task.owner(), key)),
                      GUARD_TASK_ID,
                      s(task.id().value()),
                      EXPIRES_AT,
                      n(now.plus(IDEMPOTENCY_WINDOW).getEpochSecond())))
              .conditionExpression("attribute_not_exists(#id) OR #expiresAt < :now")
              .expressionAttributeNames(Map.of("#id", ID, "#expiresAt", EXPIRES_AT))
              .expressionAttributeValues(Map.of(":now", n(now.getEpochSecond())))
              .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
              .build();
      try {
        client.transactWriteItems(
            r ->
                r.transactItems(
                    TransactWriteItem.builder().put(newTask(task)).build(),
                    TransactWriteItem.builder().put(guard).build()));
        return;
      } catch (TransactionCanceledException e) {
        List<CancellationReason> reasons =
            e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
        Optional<CancellationReason> taskRefused = conditionFailure(reasons, 0);
        Optional<CancellationReason> guardRefused = conditionFailure(reasons, 1);
        boolean guardGone = false;
        if (guardRefused.isPresent()) {
          Optional<TaskId> holder = guardHolder(task.owner(), key, guardRefused.get(), now);
          if (holder.isPresent() && !holder.get().equals(task.id())) {
            var taken = new IdempotencyKeyTakenException(task.owner(), holder.get());
            taken.initCause(e);
            throw taken;
          }
          // Held by this very task (a create repeated after it succeeded: the task's own
          // condition failed too), or the guard expired or was deleted since the refusal.
          guardGone = holder.isEmpty();
        }
        if (taskRefused.isPresent()) {
          throw alreadyExists(task, itemOf(taskRefused.get()), e);
        }
        boolean raced =
            reasons.stream().anyMatch(reason -> "TransactionConflict".equals(reason.code()));
        if ((raced || guardGone) && attempt < TRANSACTION_ATTEMPTS) {
          pauseBeforeAttempt(attempt, e);
          continue;
        }
        throw e;
      }
    }
  }

  private static Optional<CancellationReason> conditionFailure(
      List<CancellationReason> reasons, int index) {
    return index < reasons.size() && "ConditionalCheckFailed".equals(reasons.get(index).code())
        ? Optional.of(reasons.get(index))
        : Optional.empty();
  }

  private static Optional<Map<String, AttributeValue>> itemOf(CancellationReason reason) {
    return reason.hasItem() && !reason.item().isEmpty()
        ? Optional.of(reason.item())
        : Optional.empty();
  }

  /**
   * The task a refused guard names: from the refusal (DynamoDB returns the item that failed the
   * condition), else read again; empty if the guard has gone or its window has passed since.
   */
  private Optional<TaskId> guardHolder(
      String owner, String key, CancellationReason refusal, Instant now) {
    Optional<Map<String, AttributeValue>> guard = itemOf(refusal).or(() -> readGuard(owner, key));
    return guard.filter(item -> isLive(item, now)).map(this::guardTask);
  }

  private Optional<Map<String, AttributeValue>> readGuard(String owner, String key) {
    var response =
        client.getItem(
            r -> r.tableName(table).key(Map.of(ID, s(guardId(owner, key)))).consistentRead(true));
    return response.hasItem() && !response.item().isEmpty()
        ? Optional.of(response.item())
        : Optional.empty();
  }

  /** Whether a guard still holds its key at {@code now}: the opposite of the takeover condition. */
  private boolean isLive(Map<String, AttributeValue> guard, Instant now) {
    return new ItemReader(table, guard).number(EXPIRES_AT) >= now.getEpochSecond();
  }

  private TaskId guardTask(Map<String, AttributeValue> guard) {
    return new TaskId(new ItemReader(table, guard).text(GUARD_TASK_ID));
  }

  /** A short, growing, jittered pause, so racing transactions stop colliding. */
  private static void pauseBeforeAttempt(int attempt, RuntimeException failure) {
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(10L * attempt, 40L * attempt));
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      failure.addSuppressed(interrupted);
      throw failure;
    }
  }

  /** The guard item's id for {@code owner}'s {@code key}: a fixed-length hash of both. */
  static String guardId(String owner, String key) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest((owner + "\0" + key).getBytes(StandardCharsets.UTF_8));
      return IDEMPOTENCY_PREFIX + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>A consistent read of the guard, then of the task it names.
   */
  @Override
  public Optional<UploadTask> findByIdempotencyKey(String owner, String idempotencyKey) {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    Instant now = clock.instant();
    return readGuard(owner, idempotencyKey)
        .filter(guard -> isLive(guard, now))
        .flatMap(guard -> find(guardTask(guard)))
        .filter(task -> task.isOwnedBy(owner));
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
   * PENDING, or PROCESSING with no lease or a lease not after {@code now}. The new attempt starts
   * at 0 bytes pushed.
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
    write.value(":zero", n(0));
    write.set("#status = :processing");
    write.set("#openStatus = :processing");
    write.set("#attempts = #attempts + :one");
    write.set("#leaseUntil = :lease");
    write.set("#bytesPushed = :zero");
    write.set("#updatedAt = :now");
    write.append(
        TaskStatus.PROCESSING,
        now,
        Transition.reasonFor(
            Optional.of(TaskStatus.PENDING), TaskStatus.PROCESSING, Optional.empty()));
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

  /** A fenced write like {@link #extendLease}; {@code updatedAt} stays (no status change). */
  @Override
  public void recordProgress(TaskId id, int attempt, long bytesPushed) {
    if (bytesPushed < 0) {
      throw new IllegalArgumentException("bytesPushed must not be negative: " + bytesPushed);
    }
    var write = fencedWrite(attempt);
    write.value(":bytesPushed", n(bytesPushed));
    write.set("#bytesPushed = :bytesPushed");
    write.apply(id, fence(), current -> fenceRefusal(attempt, current));
  }

  @Override
  public UploadTask finish(
      TaskId id, int attempt, TaskStatus to, Optional<TaskError> error, Instant now) {
    Objects.requireNonNull(error, "error");
    TaskStatus.PROCESSING.requireChangeTo(to);
    var write = fencedWrite(attempt);
    write.changeStatus(TaskStatus.PROCESSING, to, error, now, retention);
    if (to == TaskStatus.DONE) {
      write.set("#bytesPushed = #size"); // every byte went, however recently progress was written
      // The last attempt succeeded: earlier failures stay in the timeline, not as "the last error".
      write.remove("#errorCode");
      write.remove("#errorMessage");
    }
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
    write.changeStatus(from, to, error, now, retention);
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

  /**
   * A query of the sparse index {@value #UPLOAD_DEADLINES_INDEX}: the partition AWAITING_UPLOAD in
   * ascending {@code uploadExpiresAt}, starting after {@code after}'s key (deadline and id), pages
   * followed until {@code limit}. Reads the few attributes the index holds, never whole tasks.
   */
  @Override
  public List<AwaitingUpload> findAwaitingUploads(Optional<AwaitingUpload> after, int limit) {
    Objects.requireNonNull(after, "after");
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, got " + limit);
    }
    String awaiting = TaskStatus.AWAITING_UPLOAD.name();
    var found = new ArrayList<AwaitingUpload>();
    Map<String, AttributeValue> startKey =
        after
            .map(
                upload ->
                    Map.of(
                        OPEN_STATUS, s(awaiting),
                        UPLOAD_EXPIRES_AT, s(timestamp(upload.deadline())),
                        ID, s(upload.id().value())))
            .orElse(null);
    do {
      Map<String, AttributeValue> from = startKey;
      int want = limit - found.size();
      QueryResponse page =
          client.query(
              r ->
                  r.tableName(table)
                      .indexName(UPLOAD_DEADLINES_INDEX)
                      .keyConditionExpression("#openStatus = :awaiting")
                      .expressionAttributeNames(Map.of("#openStatus", OPEN_STATUS))
                      .expressionAttributeValues(Map.of(":awaiting", s(awaiting)))
                      .scanIndexForward(true)
                      .limit(want)
                      .exclusiveStartKey(from));
      page.items().forEach(item -> found.add(toAwaitingUpload(item)));
      startKey =
          page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty()
              ? page.lastEvaluatedKey()
              : null;
    } while (startKey != null && found.size() < limit);
    return List.copyOf(found);
  }

  private AwaitingUpload toAwaitingUpload(Map<String, AttributeValue> item) {
    var reader = new ItemReader(table, item);
    return new AwaitingUpload(
        new TaskId(reader.text(ID)),
        reader.text(OWNER),
        reader.text(OBJECT_KEY),
        Instant.parse(reader.text(UPLOAD_EXPIRES_AT)),
        item.containsKey(MULTIPART_UPLOAD_ID));
  }

  /**
   * A query of the index {@value #OWNER_INDEX}, descending: the owner's tasks with an id below
   * {@code after} (a key condition, so a page that continues reads nothing before its start). The
   * status and instance are filters, applied after reading: requests follow each other until {@code
   * limit} tasks matched, the owner's tasks ran out, or {@link TaskQuery#MAX_EXAMINED} were read
   * (DynamoDB's {@code Limit} counts items read, matching or not). {@code next} is given when a
   * task beyond the last one returned matched, or the index was not read to its end: then it is the
   * last task returned, or the last task read when the page stopped at the bound (the next page may
   * be empty).
   */
  @Override
  public TaskPage list(String owner, TaskQuery query) {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(query, "query");
    var names = new HashMap<String, String>();
    var values = new HashMap<String, AttributeValue>();
    names.put("#owner", OWNER);
    values.put(":owner", s(owner));
    var keyCondition = new StringBuilder("#owner = :owner");
    query
        .after()
        .ifPresent(
            after -> {
              names.put("#id", ID);
              values.put(":after", s(after.value()));
              keyCondition.append(" AND #id < :after");
            });
    var filters = new ArrayList<String>();
    query
        .status()
        .ifPresent(
            status -> {
              names.put("#status", STATUS);
              values.put(":status", s(status.name()));
              filters.add("#status = :status");
            });
    query
        .instance()
        .ifPresent(
            instance -> {
              names.put("#instance", INSTANCE);
              values.put(":instance", s(instance));
              filters.add("#instance = :instance");
            });

    int limit = query.limit();
    var found = new ArrayList<UploadTask>();
    boolean more = false;
    int examined = 0;
    Map<String, AttributeValue> startKey = null;
    do {
      // One more than missing: seeing it tells whether a next page exists, without another read.
      int read =
          filters.isEmpty()
              ? limit - found.size() + 1
              : Math.min(FILTERED_READ, TaskQuery.MAX_EXAMINED - examined);
      Map<String, AttributeValue> from = startKey;
      QueryResponse page =
          client.query(
              r -> {
                r.tableName(table)
                    .indexName(OWNER_INDEX)
                    .keyConditionExpression(keyCondition.toString())
                    .expressionAttributeNames(names)
                    .expressionAttributeValues(values)
                    .scanIndexForward(false)
                    .limit(read)
                    .exclusiveStartKey(from);
                if (!filters.isEmpty()) {
                  r.filterExpression(String.join(" AND ", filters));
                }
              });
      examined += page.scannedCount() == null ? page.count() : page.scannedCount();
      for (Map<String, AttributeValue> item : page.items()) {
        if (found.size() == limit) {
          more = true;
          break;
        }
        found.add(toTask(item));
      }
      startKey =
          page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty()
              ? page.lastEvaluatedKey()
              : null;
    } while (!more
        && found.size() < limit
        && startKey != null
        && examined < TaskQuery.MAX_EXAMINED);
    Optional<TaskId> next;
    if (more || (found.size() == limit && startKey != null)) {
      next = Optional.of(found.get(found.size() - 1).id());
    } else if (startKey != null) {
      // Stopped at the bound: go on after the last task read (it did not match, or it is shown).
      next = Optional.of(new TaskId(new ItemReader(table, startKey).text(ID)));
    } else {
      next = Optional.empty();
    }
    return new TaskPage(found, next);
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

    /** Appends an entry to the task's timeline in the same write. */
    void append(TaskStatus to, Instant now, String reason) {
      value(
          ":timelineEntry",
          AttributeValue.fromL(List.of(TimelineAttribute.entry(now, to, reason))));
      value(":noTimeline", AttributeValue.fromL(List.of()));
      set("#timeline = list_append(if_not_exists(#timeline, :noTimeline), :timelineEntry)");
    }

    /**
     * A status change that is not a claim: the new status, the error (a previous one stays when
     * none is given: it is the task's history), no lease, and the index and TTL attributes to
     * match.
     */
    void changeStatus(
        TaskStatus from,
        TaskStatus to,
        Optional<TaskError> error,
        Instant now,
        Duration retention) {
      Objects.requireNonNull(now, "now");
      append(to, now, Transition.reasonFor(Optional.of(from), to, error));
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
              BYTES_PUSHED,
              SIZE,
              LEASE_UNTIL,
              UPDATED_AT,
              ERROR_CODE,
              ERROR_MESSAGE,
              EXPIRES_AT,
              TimelineAttribute.NAME)) {
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
    task.directUpload()
        .ifPresent(
            upload -> {
              upload.multipartUploadId().ifPresent(u -> item.put(MULTIPART_UPLOAD_ID, s(u)));
              item.put(PART_SIZE, n(upload.partSize()));
              item.put(UPLOAD_EXPIRES_AT, s(timestamp(upload.expiresAt())));
            });
    item.put(BYTES_PUSHED, n(task.bytesPushed()));
    task.idempotencyKey().ifPresent(key -> item.put(IDEMPOTENCY_KEY, s(key)));
    item.put(TimelineAttribute.NAME, TimelineAttribute.of(task.timeline()));
    task.seal().ifPresent(seal -> item.put(SEAL, s(seal)));
    return item;
  }

  private UploadTask toTask(Map<String, AttributeValue> item) {
    var reader = new ItemReader(table, item);
    Optional<TaskError> lastError =
        item.containsKey(ERROR_CODE)
            ? Optional.of(new TaskError(reader.text(ERROR_CODE), reader.text(ERROR_MESSAGE)))
            : Optional.empty();
    int attempts = (int) reader.number(ATTEMPTS);
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
        attempts,
        lastError,
        item.containsKey(LEASE_UNTIL)
            ? Optional.of(Instant.parse(reader.text(LEASE_UNTIL)))
            : Optional.empty(),
        Instant.parse(reader.text(CREATED_AT)),
        Instant.parse(reader.text(UPDATED_AT)),
        item.containsKey(UPLOAD_EXPIRES_AT)
            ? Optional.of(
                new DirectUpload(
                    item.containsKey(MULTIPART_UPLOAD_ID)
                        ? Optional.of(reader.text(MULTIPART_UPLOAD_ID))
                        : Optional.empty(),
                    reader.number(PART_SIZE),
                    Instant.parse(reader.text(UPLOAD_EXPIRES_AT))))
            : Optional.empty(),
        // Items written before progress was recorded have none: nothing pushed yet, as far as
        // anyone knows.
        item.containsKey(BYTES_PUSHED) ? reader.number(BYTES_PUSHED) : 0,
        item.containsKey(IDEMPOTENCY_KEY)
            ? Optional.of(reader.text(IDEMPOTENCY_KEY))
            : Optional.empty(),
        TimelineAttribute.read(Optional.ofNullable(item.get(TimelineAttribute.NAME)), attempts),
        item.containsKey(SEAL) ? Optional.of(reader.text(SEAL)) : Optional.empty());
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
