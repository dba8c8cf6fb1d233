package dev.uplink.core.aws;

import static dev.uplink.core.aws.TaskItem.s;
import static dev.uplink.core.aws.TaskItem.timestamp;
import static dev.uplink.core.aws.TaskTable.ID;
import static dev.uplink.core.aws.TaskTable.INSTANCE;
import static dev.uplink.core.aws.TaskTable.LEASE_UNTIL;
import static dev.uplink.core.aws.TaskTable.OPEN_STATUS;
import static dev.uplink.core.aws.TaskTable.OPEN_TASKS_INDEX;
import static dev.uplink.core.aws.TaskTable.OWNER;
import static dev.uplink.core.aws.TaskTable.OWNER_INDEX;
import static dev.uplink.core.aws.TaskTable.PROJECT;
import static dev.uplink.core.aws.TaskTable.STATUS;
import static dev.uplink.core.aws.TaskTable.UPDATED_AT;
import static dev.uplink.core.aws.TaskTable.UPLOAD_DEADLINES_INDEX;
import static dev.uplink.core.aws.TaskTable.UPLOAD_EXPIRES_AT;

import dev.uplink.core.domain.AwaitingUpload;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskPage;
import dev.uplink.core.domain.TaskQuery;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * The reads of {@link DynamoDbTaskStore} that go through the {@link TaskTable}'s indexes: the stale
 * and the PROCESSING tasks, the presigned uploads by deadline, an owner's tasks page by page. Index
 * reads are eventually consistent: a task that changed a moment ago may still show its old state.
 */
final class TaskIndexQueries {

  /**
   * How many items one request of a filtered {@link #list} may read: a filter is applied after
   * reading, so asking for only as many as are still missing would take a round trip per few items
   * when few match.
   */
  private static final int FILTERED_READ = 200;

  private final DynamoDbClient client;
  private final String table;

  TaskIndexQueries(DynamoDbClient client, String table) {
    this.client = client;
    this.table = table;
  }

  /**
   * Two queries on the sparse index {@value TaskTable#OPEN_TASKS_INDEX}, one per status a worker
   * may claim ({@link UploadTask#claimVerdict}): PENDING with {@code updatedAt} before {@code
   * pendingBefore} (a key condition: reads only matches), and PROCESSING whose lease is absent or
   * not after {@code now} (a filter over the PROCESSING tasks, as many as there are pushes in
   * flight). Merged oldest {@code updatedAt} first.
   */
  List<UploadTask> findStale(Instant pendingBefore, Instant now, int limit) {
    var stale = new ArrayList<UploadTask>();
    stale.addAll(
        openTasks(
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
        openTasks(
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
   * The partition PROCESSING of the sparse index {@value TaskTable#OPEN_TASKS_INDEX}, ascending
   * {@code updatedAt}: a key condition, so it reads only PROCESSING tasks, whatever their lease.
   */
  List<UploadTask> findProcessing(int limit) {
    return List.copyOf(
        openTasks(
            QueryRequest.builder()
                .keyConditionExpression("#openStatus = :processing")
                .expressionAttributeNames(Map.of("#openStatus", OPEN_STATUS))
                .expressionAttributeValues(Map.of(":processing", s(TaskStatus.PROCESSING.name()))),
            limit));
  }

  /** Up to {@code limit} matches of one query of the open tasks, in index order. */
  private List<UploadTask> openTasks(QueryRequest.Builder query, int limit) {
    return readPages(
        (from, want) ->
            client.query(
                query
                    .tableName(table)
                    .indexName(OPEN_TASKS_INDEX)
                    .scanIndexForward(true)
                    .limit(want)
                    .exclusiveStartKey(from)
                    .build()),
        null,
        item -> TaskItem.toTask(table, item),
        limit);
  }

  /**
   * A query of the sparse index {@value TaskTable#UPLOAD_DEADLINES_INDEX}: the partition
   * AWAITING_UPLOAD in ascending {@code uploadExpiresAt}, starting after {@code after}'s key
   * (deadline and id), pages followed until {@code limit}. Reads the few attributes the index
   * holds, never whole tasks.
   */
  List<AwaitingUpload> findAwaitingUploads(Optional<AwaitingUpload> after, int limit) {
    String awaiting = TaskStatus.AWAITING_UPLOAD.name();
    Map<String, AttributeValue> startKey =
        after
            .map(
                upload ->
                    Map.of(
                        OPEN_STATUS, s(awaiting),
                        UPLOAD_EXPIRES_AT, s(timestamp(upload.deadline())),
                        ID, s(upload.id().value())))
            .orElse(null);
    return List.copyOf(
        readPages(
            (from, want) ->
                client.query(
                    r ->
                        r.tableName(table)
                            .indexName(UPLOAD_DEADLINES_INDEX)
                            .keyConditionExpression("#openStatus = :awaiting")
                            .expressionAttributeNames(Map.of("#openStatus", OPEN_STATUS))
                            .expressionAttributeValues(Map.of(":awaiting", s(awaiting)))
                            .scanIndexForward(true)
                            .limit(want)
                            .exclusiveStartKey(from)),
            startKey,
            item -> TaskItem.toAwaitingUpload(table, item),
            limit));
  }

  /**
   * Pages of one query from {@code startKey} on, each asking for the items still wanted, until
   * {@code limit} items or the end.
   */
  private <T> List<T> readPages(
      BiFunction<Map<String, AttributeValue>, Integer, QueryResponse> query,
      Map<String, AttributeValue> startKey,
      Function<Map<String, AttributeValue>, T> map,
      int limit) {
    var found = new ArrayList<T>();
    Map<String, AttributeValue> from = startKey;
    do {
      QueryResponse page = query.apply(from, limit - found.size());
      page.items().forEach(item -> found.add(map.apply(item)));
      from = lastKey(page);
    } while (from != null && found.size() < limit);
    return found;
  }

  private static Map<String, AttributeValue> lastKey(QueryResponse page) {
    return page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty()
        ? page.lastEvaluatedKey()
        : null;
  }

  /**
   * A query of the index {@value TaskTable#OWNER_INDEX}, descending: the owner's tasks with an id
   * below {@code after} (a key condition, so a page that continues reads nothing before its start).
   * The status and instance are filters, applied after reading: requests follow each other until
   * {@code limit} tasks matched, the owner's tasks ran out, or {@link TaskQuery#MAX_EXAMINED} were
   * read (DynamoDB's {@code Limit} counts items read, matching or not). {@code next} is given when
   * a task beyond the last one returned matched, or the index was not read to its end: then it is
   * the last task returned, or the last task read when the page stopped at the bound (the next page
   * may be empty).
   */
  TaskPage list(String owner, TaskQuery query) {
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
    query
        .project()
        .ifPresent(
            project -> {
              names.put("#project", PROJECT);
              values.put(":project", s(project));
              // Tasks stored before projects existed have none: they are in the default one.
              filters.add(
                  Destination.DEFAULT_PROJECT.equals(project)
                      ? "(#project = :project OR attribute_not_exists(#project))"
                      : "#project = :project");
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
        found.add(TaskItem.toTask(table, item));
      }
      startKey = lastKey(page);
    } while (!more
        && found.size() < limit
        && startKey != null
        && examined < TaskQuery.MAX_EXAMINED);
    return new TaskPage(found, next(found, limit, more, startKey));
  }

  private Optional<TaskId> next(
      List<UploadTask> found, int limit, boolean more, Map<String, AttributeValue> startKey) {
    if (more || (found.size() == limit && startKey != null)) {
      return Optional.of(found.get(found.size() - 1).id());
    }
    if (startKey != null) {
      // Stopped at the bound: go on after the last task read (it did not match, or it is shown).
      return Optional.of(new TaskId(new ItemReader(table, startKey).text(ID)));
    }
    return Optional.empty();
  }
}
