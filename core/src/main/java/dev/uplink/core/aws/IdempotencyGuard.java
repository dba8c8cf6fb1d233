package dev.uplink.core.aws;

import static dev.uplink.core.aws.TaskItem.n;
import static dev.uplink.core.aws.TaskItem.s;
import static dev.uplink.core.aws.TaskTable.EXPIRES_AT;
import static dev.uplink.core.aws.TaskTable.ID;

import dev.uplink.core.domain.DependencyException;
import dev.uplink.core.domain.IdempotencyKeyTakenException;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStore;
import dev.uplink.core.domain.UploadTask;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * An owner's idempotency key, held by a second item in the task table, its <em>guard</em>: {@code
 * id} = {@value #PREFIX} + hex SHA-256 of owner, NUL, key (fixed length, and neither the owner nor
 * the key appears in a key), {@code taskId} = the task it names, {@code expiresAt} = when it was
 * taken + {@link TaskStore#IDEMPOTENCY_WINDOW} (so TTL deletes it). A guard carries neither {@code
 * owner} nor {@code openStatus}, so it is in no index.
 *
 * <p>A task is created under a key by one transaction putting the task (if its id is new) and its
 * guard (if there is none or its window has passed: TTL deletes within days, not at once), tried
 * again while DynamoDB cancels it only because another transaction held the same items.
 */
final class IdempotencyGuard {

  /** The start of a guard item's {@code id}; no task id contains {@code #}. */
  static final String PREFIX = "idempotency#";

  /** A guard item's attribute naming the task its key was taken for. */
  static final String TASK_ID = "taskId";

  /**
   * How often a create under a key tries its transaction while DynamoDB cancels it for a conflict
   * with another transaction on the same items (two creates racing for one key).
   */
  private static final int TRANSACTION_ATTEMPTS = 5;

  private final DynamoDbClient client;
  private final String table;
  private final Clock clock;

  IdempotencyGuard(DynamoDbClient client, String table, Clock clock) {
    this.client = client;
    this.table = table;
    this.clock = clock;
  }

  /**
   * Puts {@code newTask} (the conditional put of {@code task}) and the guard of {@code task}'s key
   * in one transaction.
   *
   * @throws IdempotencyKeyTakenException if another task holds the key
   * @throws dev.uplink.core.domain.TaskConflictException if the task exists already
   * @throws DependencyException if DynamoDB kept cancelling the transaction for conflicts
   */
  void createUnder(String key, UploadTask task, Put newTask) {
    for (int attempt = 1; ; attempt++) {
      Instant now = clock.instant();
      try {
        client.transactWriteItems(
            r ->
                r.transactItems(
                    TransactWriteItem.builder().put(newTask).build(),
                    TransactWriteItem.builder().put(guardPut(task, key, now)).build()));
        return;
      } catch (TransactionCanceledException e) {
        if (isThrottled(e)) {
          throw new DependencyException(
              "DynamoDB table " + table, DependencyException.Reason.THROTTLED, e);
        }
        if (!mayTryAgain(task, key, now, e)) {
          throw e;
        }
        if (attempt == TRANSACTION_ATTEMPTS) {
          throw new DependencyException(
              "DynamoDB table " + table, DependencyException.Reason.UNAVAILABLE, e);
        }
        pauseBeforeAttempt(attempt, e);
      }
    }
  }

  private Put guardPut(UploadTask task, String key, Instant now) {
    return Put.builder()
        .tableName(table)
        .item(
            Map.of(
                ID,
                s(id(task.owner(), key)),
                TASK_ID,
                s(task.id().value()),
                EXPIRES_AT,
                n(now.plus(TaskStore.IDEMPOTENCY_WINDOW).getEpochSecond())))
        .conditionExpression("attribute_not_exists(#id) OR #expiresAt < :now")
        .expressionAttributeNames(Map.of("#id", ID, "#expiresAt", EXPIRES_AT))
        .expressionAttributeValues(Map.of(":now", n(now.getEpochSecond())))
        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
        .build();
  }

  /**
   * Reads DynamoDB's refusal of the transaction: throws what it means for the caller, or says
   * whether trying again may succeed (a conflict with another transaction, or a guard gone since).
   */
  private boolean mayTryAgain(
      UploadTask task, String key, Instant now, TransactionCanceledException e) {
    List<CancellationReason> reasons =
        e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
    Optional<CancellationReason> taskRefused = conditionFailure(reasons, 0);
    Optional<CancellationReason> guardRefused = conditionFailure(reasons, 1);
    boolean guardGone = false;
    if (guardRefused.isPresent()) {
      Optional<TaskId> holder = holder(task.owner(), key, guardRefused.get(), now);
      if (holder.isPresent() && !holder.get().equals(task.id())) {
        var taken = new IdempotencyKeyTakenException(task.owner(), holder.get());
        taken.initCause(e);
        throw taken;
      }
      // Held by this very task (a create repeated after it succeeded: the task's own condition
      // failed too), or the guard expired or was deleted since the refusal.
      guardGone = holder.isEmpty();
    }
    if (taskRefused.isPresent()) {
      throw ConditionalUpdate.alreadyExists(table, task, itemOf(taskRefused.get()), e);
    }
    boolean raced = reasons.stream().anyMatch(r -> "TransactionConflict".equals(r.code()));
    return raced || guardGone;
  }

  /**
   * Whether DynamoDB cancelled the transaction to slow us down: the cancellation itself is a 400,
   * which would read as a refusal, but one of its reasons says throttling.
   */
  private static boolean isThrottled(TransactionCanceledException e) {
    return e.hasCancellationReasons()
        && e.cancellationReasons().stream()
            .anyMatch(
                r ->
                    "ThrottlingError".equals(r.code())
                        || "ProvisionedThroughputExceeded".equals(r.code()));
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
  private Optional<TaskId> holder(
      String owner, String key, CancellationReason refusal, Instant now) {
    return itemOf(refusal).or(() -> read(owner, key)).filter(g -> isLive(g, now)).map(this::task);
  }

  /** The task {@code owner}'s {@code key} names now (a consistent read), if its window is open. */
  Optional<TaskId> holder(String owner, String key) {
    Instant now = clock.instant();
    return read(owner, key).filter(guard -> isLive(guard, now)).map(this::task);
  }

  private Optional<Map<String, AttributeValue>> read(String owner, String key) {
    var response =
        client.getItem(
            r -> r.tableName(table).key(Map.of(ID, s(id(owner, key)))).consistentRead(true));
    return response.hasItem() && !response.item().isEmpty()
        ? Optional.of(response.item())
        : Optional.empty();
  }

  /** Whether a guard still holds its key at {@code now}: the opposite of the takeover condition. */
  private boolean isLive(Map<String, AttributeValue> guard, Instant now) {
    return new ItemReader(table, guard).number(EXPIRES_AT) >= now.getEpochSecond();
  }

  private TaskId task(Map<String, AttributeValue> guard) {
    return new TaskId(new ItemReader(table, guard).text(TASK_ID));
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
  static String id(String owner, String key) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest((owner + "\0" + key).getBytes(StandardCharsets.UTF_8));
      return PREFIX + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
