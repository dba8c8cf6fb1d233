package dev.uplink.core.aws;

import dev.uplink.core.domain.AwaitingUpload;
import dev.uplink.core.domain.ClaimVerdict;
import dev.uplink.core.domain.DependencyException;
import dev.uplink.core.domain.TaskConflictException;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskPage;
import dev.uplink.core.domain.TaskQuery;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.TaskStore;
import dev.uplink.core.domain.Transition;
import dev.uplink.core.domain.UploadTask;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * {@link TaskStore} on a DynamoDB table, one item per task ({@link TaskItem}) in the table {@link
 * TaskTable} describes. Every change is one {@link ConditionalUpdate}, so racing workers cannot
 * both win; a refused write comes back as a {@link TaskConflictException} carrying the task as it
 * was stored. An idempotency key is a second item, its {@link IdempotencyGuard}, written with the
 * task in one transaction. The reads by index are {@link TaskIndexQueries}.
 *
 * <p>Every other failure of DynamoDB is a {@link DependencyException} naming the table (throttled,
 * unavailable or rejected, the SDK's exception its cause): the caller's retry policy decides. A
 * malformed item is an {@link IllegalStateException}: a defect, not an outage.
 */
public final class DynamoDbTaskStore implements TaskStore {

  /** The sparse index of open tasks: {@link TaskTable#OPEN_TASKS_INDEX}. */
  public static final String OPEN_TASKS_INDEX = TaskTable.OPEN_TASKS_INDEX;

  /** The sparse index of open presigned uploads: {@link TaskTable#UPLOAD_DEADLINES_INDEX}. */
  public static final String UPLOAD_DEADLINES_INDEX = TaskTable.UPLOAD_DEADLINES_INDEX;

  /** The index of every task by owner: {@link TaskTable#OWNER_INDEX}. */
  public static final String OWNER_INDEX = TaskTable.OWNER_INDEX;

  /** The attribute DynamoDB's time to live reads: {@link TaskTable#TTL_ATTRIBUTE}. */
  public static final String TTL_ATTRIBUTE = TaskTable.TTL_ATTRIBUTE;

  /** How long finished tasks are kept unless told otherwise. */
  public static final Duration DEFAULT_RETENTION = Duration.ofDays(30);

  /**
   * How many claims {@link #claim} tries, each conditioned on the status the last refusal showed
   * (PENDING first): the task may change between them, and a claim must name its real origin.
   */
  private static final int CLAIM_TRIES = 3;

  private final DynamoDbClient client;
  private final String table;
  private final String dependency;
  private final Duration retention;
  private final IdempotencyGuard guard;
  private final TaskIndexQueries queries;

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
    Objects.requireNonNull(clock, "clock");
    if (taskRetention.isNegative() || taskRetention.isZero()) {
      throw new IllegalArgumentException("taskRetention must be positive, got " + taskRetention);
    }
    this.dependency = "DynamoDB table " + table;
    this.guard = new IdempotencyGuard(client, table, clock);
    this.queries = new TaskIndexQueries(client, table);
  }

  /** The table this store expects: {@link TaskTable#definition}. */
  public static CreateTableRequest tableDefinition(String table) {
    return TaskTable.definition(table);
  }

  /** {@link TaskTable#ownerIndex}, which {@link #list} queries. */
  public static GlobalSecondaryIndex ownerIndex() {
    return TaskTable.ownerIndex();
  }

  /** {@link TaskTable#uploadDeadlinesIndex}, which {@link #findAwaitingUploads} queries. */
  public static GlobalSecondaryIndex uploadDeadlinesIndex() {
    return TaskTable.uploadDeadlinesIndex();
  }

  /** {@link TaskTable#openTasksIndex}, which {@link #findStale} queries. */
  public static GlobalSecondaryIndex openTasksIndex() {
    return TaskTable.openTasksIndex();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Without a key: one conditional {@code PutItem}. With one: a transaction putting the task (if
   * its id is new) and the owner's guard for the key ({@link IdempotencyGuard}).
   */
  @Override
  public void create(UploadTask task) {
    Put put = newTask(task);
    translated(
        () -> {
          if (task.idempotencyKey().isPresent()) {
            guard.createUnder(task.idempotencyKey().get(), task, put);
            return null;
          }
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
            throw ConditionalUpdate.alreadyExists(table, task, ConditionalUpdate.storedItem(e), e);
          }
          return null;
        });
  }

  private Put newTask(UploadTask task) {
    return Put.builder()
        .tableName(table)
        .item(TaskItem.of(task, retention))
        .conditionExpression("attribute_not_exists(#id)")
        .expressionAttributeNames(Map.of("#id", TaskTable.ID))
        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
        .build();
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
    return translated(() -> guard.holder(owner, idempotencyKey))
        .flatMap(this::find)
        .filter(task -> task.isOwnedBy(owner));
  }

  @Override
  public Optional<UploadTask> find(TaskId id) {
    var response =
        translated(
            () ->
                client.getItem(r -> r.tableName(table).key(TaskItem.key(id)).consistentRead(true)));
    return response.hasItem() && !response.item().isEmpty()
        ? Optional.of(TaskItem.toTask(table, response.item()))
        : Optional.empty();
  }

  /**
   * One conditional write whose condition is {@link UploadTask#claimVerdict} in DynamoDB's words
   * for the status the task is believed to be in: PENDING, or PROCESSING with no lease or a lease
   * not after {@code now}. PENDING is tried first; a refusal that shows a task claimable from
   * another status is tried again from that one, so the timeline records where the claim took it
   * from. The new attempt starts at 0 bytes pushed.
   */
  @Override
  public UploadTask claim(TaskId id, Instant now, Duration lease) {
    Objects.requireNonNull(now, "now");
    if (lease.isNegative() || lease.isZero()) {
      throw new IllegalArgumentException("lease must be positive, got " + lease);
    }
    TaskStatus from = TaskStatus.PENDING;
    for (int tried = 1; ; tried++) {
      try {
        TaskStatus claimedFrom = from;
        return translated(() -> claimFrom(claimedFrom, id, now, lease));
      } catch (TaskConflictException refused) {
        Optional<UploadTask> current = refused.current();
        if (tried == CLAIM_TRIES
            || current.isEmpty()
            || current.get().status() == from
            || current.get().claimVerdict(now) != ClaimVerdict.CLAIMABLE) {
          throw refused;
        }
        from = current.get().status();
      }
    }
  }

  private UploadTask claimFrom(TaskStatus from, TaskId id, Instant now, Duration lease) {
    var update = new ConditionalUpdate(client, table);
    update.value(":from", from.name());
    update.value(":processing", TaskStatus.PROCESSING.name());
    update.value(":now", TaskItem.timestamp(now));
    update.value(":lease", TaskItem.timestamp(now.plus(lease)));
    update.value(":one", TaskItem.n(1));
    update.value(":zero", TaskItem.n(0));
    update.set("#status = :processing");
    update.set("#openStatus = :processing");
    update.set("#attempts = #attempts + :one");
    update.set("#leaseUntil = :lease");
    update.set("#bytesPushed = :zero");
    update.set("#updatedAt = :now");
    update.append(
        TaskStatus.PROCESSING,
        now,
        Transition.reasonFor(Optional.of(from), TaskStatus.PROCESSING, Optional.empty()));
    String condition =
        from == TaskStatus.PROCESSING
            ? "#status = :from AND (attribute_not_exists(#leaseUntil) OR #leaseUntil <= :now)"
            : "#status = :from";
    return update.apply(
        id,
        condition,
        current ->
            "not claimable: it is "
                + current.status()
                + current.leaseUntil().map(until -> " leased until " + until).orElse(""));
  }

  @Override
  public UploadTask extendLease(TaskId id, int attempt, Instant until) {
    Objects.requireNonNull(until, "until");
    var update = ConditionalUpdate.fenced(client, table, attempt);
    update.value(":until", TaskItem.timestamp(until));
    update.set("#leaseUntil = :until");
    return translated(() -> update.applyFenced(id, attempt));
  }

  /** A fenced write like {@link #extendLease}; {@code updatedAt} stays (no status change). */
  @Override
  public void recordProgress(TaskId id, int attempt, long bytesPushed) {
    if (bytesPushed < 0) {
      throw new IllegalArgumentException("bytesPushed must not be negative: " + bytesPushed);
    }
    var update = ConditionalUpdate.fenced(client, table, attempt);
    update.value(":bytesPushed", TaskItem.n(bytesPushed));
    update.set("#bytesPushed = :bytesPushed");
    translated(() -> update.applyFenced(id, attempt));
  }

  @Override
  public UploadTask finish(
      TaskId id, int attempt, TaskStatus to, Optional<TaskError> error, Instant now) {
    Objects.requireNonNull(error, "error");
    TaskStatus.PROCESSING.requireChangeTo(to);
    var update = ConditionalUpdate.fenced(client, table, attempt);
    update.changeStatus(TaskStatus.PROCESSING, to, error, now, retention);
    if (to == TaskStatus.DONE) {
      update.set("#bytesPushed = #size"); // every byte went, however recently progress was written
      // The last attempt succeeded: earlier failures stay in the timeline, not as "the last error".
      update.remove("#errorCode");
      update.remove("#errorMessage");
    }
    return translated(() -> update.applyFenced(id, attempt));
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
    var update = new ConditionalUpdate(client, table);
    update.value(":from", from.name());
    update.changeStatus(from, to, error, now, retention);
    return translated(
        () ->
            update.apply(
                id,
                "#status = :from",
                current ->
                    "expected status "
                        + from
                        + " to change to "
                        + to
                        + " but it is "
                        + current.status()));
  }

  /**
   * {@inheritDoc}
   *
   * <p>Queries of the sparse index {@value TaskTable#OPEN_TASKS_INDEX} ({@link
   * TaskIndexQueries#findStale}); a reconciler does not mind their eventual consistency (a
   * duplicate message is discarded by the claim rule).
   */
  @Override
  public List<UploadTask> findStale(Instant pendingBefore, Instant now, int limit) {
    Objects.requireNonNull(pendingBefore, "pendingBefore");
    Objects.requireNonNull(now, "now");
    requirePositive(limit);
    return translated(() -> queries.findStale(pendingBefore, now, limit));
  }

  /**
   * {@inheritDoc}
   *
   * <p>A query of the sparse index {@value TaskTable#OPEN_TASKS_INDEX} ({@link
   * TaskIndexQueries#findProcessing}).
   */
  @Override
  public List<UploadTask> findProcessing(int limit) {
    requirePositive(limit);
    return translated(() -> queries.findProcessing(limit));
  }

  /**
   * {@inheritDoc}
   *
   * <p>A query of the sparse index {@value TaskTable#UPLOAD_DEADLINES_INDEX} ({@link
   * TaskIndexQueries#findAwaitingUploads}).
   */
  @Override
  public List<AwaitingUpload> findAwaitingUploads(Optional<AwaitingUpload> after, int limit) {
    Objects.requireNonNull(after, "after");
    requirePositive(limit);
    return translated(() -> queries.findAwaitingUploads(after, limit));
  }

  /**
   * {@inheritDoc}
   *
   * <p>A query of the index {@value TaskTable#OWNER_INDEX} ({@link TaskIndexQueries#list}).
   */
  @Override
  public TaskPage list(String owner, TaskQuery query) {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(query, "query");
    return translated(() -> queries.list(owner, query));
  }

  private static void requirePositive(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, got " + limit);
    }
  }

  private <T> T translated(Supplier<T> call) {
    return AwsErrors.translated(dependency, call);
  }
}
