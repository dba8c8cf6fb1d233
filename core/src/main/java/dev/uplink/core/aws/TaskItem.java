package dev.uplink.core.aws;

import static dev.uplink.core.aws.TaskTable.ATTEMPTS;
import static dev.uplink.core.aws.TaskTable.BYTES_PUSHED;
import static dev.uplink.core.aws.TaskTable.CREATED_AT;
import static dev.uplink.core.aws.TaskTable.ERROR_CODE;
import static dev.uplink.core.aws.TaskTable.ERROR_MESSAGE;
import static dev.uplink.core.aws.TaskTable.EXPIRES_AT;
import static dev.uplink.core.aws.TaskTable.GID;
import static dev.uplink.core.aws.TaskTable.ID;
import static dev.uplink.core.aws.TaskTable.IDEMPOTENCY_KEY;
import static dev.uplink.core.aws.TaskTable.INSTANCE;
import static dev.uplink.core.aws.TaskTable.LEASE_UNTIL;
import static dev.uplink.core.aws.TaskTable.MODE;
import static dev.uplink.core.aws.TaskTable.MULTIPART_UPLOAD_ID;
import static dev.uplink.core.aws.TaskTable.OBJECT_KEY;
import static dev.uplink.core.aws.TaskTable.OPEN_STATUS;
import static dev.uplink.core.aws.TaskTable.OWNER;
import static dev.uplink.core.aws.TaskTable.PART_SIZE;
import static dev.uplink.core.aws.TaskTable.PATH;
import static dev.uplink.core.aws.TaskTable.PROJECT;
import static dev.uplink.core.aws.TaskTable.REMOTE;
import static dev.uplink.core.aws.TaskTable.SEAL;
import static dev.uplink.core.aws.TaskTable.SHA256;
import static dev.uplink.core.aws.TaskTable.SIZE;
import static dev.uplink.core.aws.TaskTable.STATUS;
import static dev.uplink.core.aws.TaskTable.UID;
import static dev.uplink.core.aws.TaskTable.UPDATED_AT;
import static dev.uplink.core.aws.TaskTable.UPLOAD_EXPIRES_AT;

import dev.uplink.core.domain.AwaitingUpload;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.DirectUpload;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * An {@link UploadTask} as a {@link TaskTable} item with flat attributes, and back.
 *
 * <h2>Timestamps</h2>
 *
 * Written as ISO-8601 UTC with exactly nine fraction digits ({@code
 * 2026-11-22T10:15:30.120000000Z}): fixed width, so string order is time order and conditions and
 * key conditions can compare them ({@code leaseUntil <= :now}, {@code updatedAt < :before});
 * lossless, so every {@link Instant} round-trips exactly. Any ISO-8601 form is read.
 */
final class TaskItem {

  /** Fixed-width ISO-8601 UTC: string order is time order. */
  private static final DateTimeFormatter TIMESTAMP =
      new DateTimeFormatterBuilder().appendInstant(9).toFormatter();

  private TaskItem() {}

  /**
   * The item for {@code task}: an open task carries {@code openStatus} (it is in the sparse
   * indexes), a terminal one {@code expiresAt}, {@code retention} after its last change.
   */
  static Map<String, AttributeValue> of(UploadTask task, Duration retention) {
    var item = new HashMap<String, AttributeValue>();
    Destination destination = task.destination();
    item.put(ID, s(task.id().value()));
    item.put(OWNER, s(task.owner()));
    if (!destination.onDefaultRemote()) {
      item.put(REMOTE, s(destination.remote()));
    }
    item.put(PROJECT, s(destination.project()));
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
    if (task.status().isOpen()) {
      item.put(OPEN_STATUS, s(task.status().name()));
    } else {
      item.put(EXPIRES_AT, n(expiry(task.updatedAt(), retention)));
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

  /**
   * The task {@code item} of {@code table} holds.
   *
   * @throws IllegalStateException if the item is malformed (naming the table, item and attribute)
   */
  static UploadTask toTask(String table, Map<String, AttributeValue> item) {
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
            // Items written before remotes and projects existed have neither: default ones.
            reader.optionalText(REMOTE).orElse(Destination.DEFAULT_REMOTE),
            reader.optionalText(PROJECT).orElse(Destination.DEFAULT_PROJECT),
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
        reader.instant(LEASE_UNTIL),
        Instant.parse(reader.text(CREATED_AT)),
        Instant.parse(reader.text(UPDATED_AT)),
        directUpload(reader),
        // Items written before progress was recorded have none: nothing pushed yet, as far as
        // anyone knows.
        item.containsKey(BYTES_PUSHED) ? reader.number(BYTES_PUSHED) : 0,
        reader.optionalText(IDEMPOTENCY_KEY),
        TimelineAttribute.read(Optional.ofNullable(item.get(TimelineAttribute.NAME)), attempts),
        reader.optionalText(SEAL));
  }

  private static Optional<DirectUpload> directUpload(ItemReader reader) {
    return reader
        .instant(UPLOAD_EXPIRES_AT)
        .map(
            expiresAt ->
                new DirectUpload(
                    reader.optionalText(MULTIPART_UPLOAD_ID), reader.number(PART_SIZE), expiresAt));
  }

  /** An item of the upload deadlines index: only the attributes it projects. */
  static AwaitingUpload toAwaitingUpload(String table, Map<String, AttributeValue> item) {
    var reader = new ItemReader(table, item);
    return new AwaitingUpload(
        new TaskId(reader.text(ID)),
        reader.text(OWNER),
        reader.text(OBJECT_KEY),
        Instant.parse(reader.text(UPLOAD_EXPIRES_AT)),
        item.containsKey(MULTIPART_UPLOAD_ID));
  }

  /** The key of task {@code id}'s item. */
  static Map<String, AttributeValue> key(TaskId id) {
    return Map.of(ID, s(id.value()));
  }

  /** When DynamoDB's TTL may delete a task finished at {@code finishedAt}: epoch seconds. */
  static long expiry(Instant finishedAt, Duration retention) {
    return finishedAt.plus(retention).getEpochSecond();
  }

  static String timestamp(Instant instant) {
    return TIMESTAMP.format(instant);
  }

  static AttributeValue s(String value) {
    return AttributeValue.fromS(value);
  }

  static AttributeValue n(long value) {
    return AttributeValue.fromN(Long.toString(value));
  }
}
