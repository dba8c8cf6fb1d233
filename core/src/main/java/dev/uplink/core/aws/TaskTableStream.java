package dev.uplink.core.aws;

import dev.uplink.core.domain.TaskEvent;
import dev.uplink.core.domain.UploadTask;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * The task table's change stream (DynamoDB Streams, new and old images) read as {@link TaskEvent}s:
 * what the local stack runs where AWS would invoke a function on the stream.
 *
 * <p>Each {@link #readNew} hands every event written since the last call to the sink, in stream
 * order: per task that is the order of its status changes, and a shard's children are read only
 * after it. The position is kept in {@link StreamCheckpoints} after the sink took the events, so a
 * reader that dies repeats events (same {@link TaskEvent#id()}) and never skips one. A sink that
 * throws stops its shard at that record until the next call.
 *
 * <p>Writes that change no status (progress, leases), idempotency-key guards and deletions (time to
 * live) make no event.
 */
public final class TaskTableStream {

  private static final Logger log = LoggerFactory.getLogger(TaskTableStream.class);

  /** GetRecords' own maximum. */
  private static final int RECORDS_PER_READ = 1000;

  private final DynamoDbClient dynamoDb;
  private final DynamoDbStreamsClient streams;
  private final String table;
  private final StreamCheckpoints checkpoints;
  private final String dependency;
  private final Map<String, String> iterators = new HashMap<>();
  private String streamArn;

  public TaskTableStream(
      DynamoDbClient dynamoDb,
      DynamoDbStreamsClient streams,
      String table,
      StreamCheckpoints checkpoints) {
    this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
    this.streams = Objects.requireNonNull(streams, "streams");
    this.table = Objects.requireNonNull(table, "table");
    this.checkpoints = Objects.requireNonNull(checkpoints, "checkpoints");
    this.dependency = "DynamoDB stream of table " + table;
  }

  /**
   * Hands every event written since the last call to {@code sink}, in order.
   *
   * @return how many events the sink took
   * @throws dev.uplink.core.domain.DependencyException if the table has no stream or DynamoDB fails
   */
  public synchronized int readNew(Consumer<TaskEvent> sink) {
    return AwsErrors.translated(dependency, () -> readShards(sink));
  }

  private int readShards(Consumer<TaskEvent> sink) {
    List<Shard> shards = shards();
    Set<String> listed = new HashSet<>();
    shards.forEach(s -> listed.add(s.shardId()));
    int handed = 0;
    // Parents first: DescribeStream lists a child after its parent, and a child is skipped while
    // its parent (still listed, not yet finished) has records left.
    for (Shard shard : shards) {
      String parent = shard.parentShardId();
      boolean parentPending =
          parent != null && listed.contains(parent) && !checkpoints.finished(parent);
      if (checkpoints.finished(shard.shardId()) || parentPending) {
        continue;
      }
      handed += readShard(shard, sink);
    }
    return handed;
  }

  private int readShard(Shard shard, Consumer<TaskEvent> sink) {
    String id = shard.shardId();
    String iterator = iterators.computeIfAbsent(id, this::iteratorFromCheckpoint);
    int handed = 0;
    boolean renewed = false;
    while (iterator != null) {
      GetRecordsResponse page;
      try {
        page = streams.getRecords(r -> r.shardIterator(iterators.get(id)).limit(RECORDS_PER_READ));
      } catch (ExpiredIteratorException | TrimmedDataAccessException e) {
        // Expired (unused 15 minutes), or refused as "past the oldest record": DynamoDB Local
        // (on disk, `uplink local`'s first run) refuses an iterator taken from a shard's empty
        // start once records arrive. A new one from the checkpoint reads the same records; a
        // second refusal in a row is the caller's to see.
        if (renewed) {
          iterators.remove(id);
          throw e;
        }
        renewed = true;
        log.info("Renewing the iterator of shard {} of {}: {}", id, table, e.getMessage());
        iterators.put(id, iteratorFromCheckpoint(id));
        continue;
      }
      handed += handOn(id, page.records(), sink);
      iterator = page.nextShardIterator();
      if (iterator == null) {
        iterators.remove(id);
        checkpoints.finish(id);
        break;
      }
      iterators.put(id, iterator);
      if (page.records().isEmpty()) {
        break; // caught up with an open shard
      }
    }
    return handed;
  }

  /**
   * Hands the page's events to the sink and records the position once for the page. If the sink
   * throws, the position stays after the last event it took and the next call reads from there.
   */
  private int handOn(String shardId, List<Record> records, Consumer<TaskEvent> sink) {
    String last = null;
    int handed = 0;
    try {
      for (Record record : records) {
        Optional<TaskEvent> event = eventOf(record);
        if (event.isPresent()) {
          sink.accept(event.get());
          handed++;
        }
        last = record.dynamodb().sequenceNumber();
      }
    } catch (RuntimeException e) {
      iterators.remove(shardId);
      throw e;
    } finally {
      if (last != null) {
        checkpoints.advance(shardId, last);
      }
    }
    return handed;
  }

  private String iteratorFromCheckpoint(String shardId) {
    Optional<String> position = checkpoints.position(shardId);
    try {
      return streams
          .getShardIterator(
              r -> {
                r.streamArn(streamArn()).shardId(shardId);
                position.ifPresentOrElse(
                    sequence ->
                        r.shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER)
                            .sequenceNumber(sequence),
                    () -> r.shardIteratorType(ShardIteratorType.TRIM_HORIZON));
              })
          .shardIterator();
    } catch (TrimmedDataAccessException e) {
      // The stream keeps 24 hours: what was written while no reader ran for longer is gone.
      log.warn(
          "Events of {} older than the stream keeps were lost (the reader was away too long)",
          table);
      return streams
          .getShardIterator(
              r ->
                  r.streamArn(streamArn())
                      .shardId(shardId)
                      .shardIteratorType(ShardIteratorType.TRIM_HORIZON))
          .shardIterator();
    }
  }

  private List<Shard> shards() {
    var shards = new ArrayList<Shard>();
    String start = null;
    do {
      String from = start;
      var description =
          streams
              .describeStream(r -> r.streamArn(streamArn()).exclusiveStartShardId(from))
              .streamDescription();
      shards.addAll(description.shards());
      start = description.lastEvaluatedShardId();
    } while (start != null);
    return shards;
  }

  private String streamArn() {
    if (streamArn == null) {
      String arn = dynamoDb.describeTable(r -> r.tableName(table)).table().latestStreamArn();
      if (arn == null) {
        throw new IllegalStateException(
            "Table " + table + " has no stream: its StreamSpecification is missing");
      }
      streamArn = arn;
    }
    return streamArn;
  }

  /** The event of one stream record: a task created or its status changed; empty otherwise. */
  static Optional<TaskEvent> eventOf(Record record) {
    if (record.eventName() == OperationType.REMOVE) {
      return Optional.empty();
    }
    Map<String, AttributeValue> after = record.dynamodb().newImage();
    if (!isTask(after)) {
      return Optional.empty();
    }
    Map<String, AttributeValue> before = record.dynamodb().oldImage();
    UploadTask task = TaskItem.toTask("stream", after);
    return TaskEvent.of(
        isTask(before) ? Optional.of(TaskItem.toTask("stream", before)) : Optional.empty(), task);
  }

  /** Idempotency-key guards share the table; only tasks have a status. */
  private static boolean isTask(Map<String, AttributeValue> image) {
    return image != null
        && image.containsKey(TaskTable.STATUS)
        && image.containsKey(TaskTable.OWNER);
  }
}
