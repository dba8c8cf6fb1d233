package dev.uplink.api;

import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.ObjectStore;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskQueue;
import dev.uplink.core.domain.TaskStore;
import dev.uplink.core.domain.UploadTask;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts uploads: streams the body into the object store while counting and hashing it, records a
 * PENDING task, then publishes its id. Reads tasks back for their owner only.
 *
 * <p>Memory stays bounded by whatever the object store buffers (one part): the body is never read
 * into memory here.
 */
public final class UploadService {

  private static final Logger LOG = LoggerFactory.getLogger(UploadService.class);
  private static final String KEY_PREFIX = "uploads/";

  private final TaskStore tasks;
  private final ObjectStore objects;
  private final TaskQueue queue;
  private final Clock clock;

  public UploadService(TaskStore tasks, ObjectStore objects, TaskQueue queue, Clock clock) {
    this.tasks = Objects.requireNonNull(tasks, "tasks");
    this.objects = Objects.requireNonNull(objects, "objects");
    this.queue = Objects.requireNonNull(queue, "queue");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The object store key an upload's bytes wait under. */
  public static String objectKeyFor(TaskId id) {
    return KEY_PREFIX + id.value();
  }

  /**
   * Stores {@code body} and records a PENDING task for it, then announces the task on the queue.
   * The body is read to its end but not closed: the caller owns it.
   *
   * @param owner the authenticated caller the task will belong to
   * @param destination where the worker will push the file (already validated)
   * @param body the file's bytes
   * @return the task as recorded
   * @throws EmptyUploadException if the body has no bytes (checked before anything is stored)
   * @throws UnreadableBodyException if the body broke off; nothing is left behind
   * @throws ServiceUnavailableException if the object store, task store or queue failed
   */
  public UploadTask accept(String owner, Destination destination, InputStream body) {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(destination, "destination");
    Objects.requireNonNull(body, "body");

    var measured = new MeasuringInputStream(body);
    var content = new PushbackInputStream(measured, 1);
    try {
      int first = content.read();
      if (first < 0) {
        throw new EmptyUploadException();
      }
      content.unread(first);
    } catch (IOException e) {
      throw new UnreadableBodyException(e);
    }

    TaskId id = TaskId.newId();
    String key = objectKeyFor(id);
    long size;
    try {
      size = objects.put(key, content);
    } catch (RuntimeException e) {
      // The store's contract: a failed put leaves nothing behind. Whose fault was it?
      if (measured.failure() != null) {
        throw new UnreadableBodyException(measured.failure());
      }
      throw new ServiceUnavailableException("object store", Optional.empty(), e);
    }
    if (measured.failure() != null) {
      // The store swallowed a read failure and kept a truncated object.
      deleteQuietly(key, null);
      throw new UnreadableBodyException(measured.failure());
    }
    if (size != measured.count()) {
      deleteQuietly(key, null);
      throw new IllegalStateException(
          "The object store reported %d bytes for %s but %d were read"
              .formatted(size, key, measured.count()));
    }

    var task =
        UploadTask.pending(
            id,
            owner,
            destination,
            key,
            size,
            measured.sha256Hex(),
            clock.instant().truncatedTo(ChronoUnit.MILLIS));
    try {
      tasks.create(task);
    } catch (RuntimeException e) {
      // No task points at the object (as far as we know), so remove it. Should the write have
      // landed despite the error, the worker finds no object and fails the task with
      // OBJECT_MISSING: visible to the owner, never a silent loss.
      deleteQuietly(key, e);
      throw new ServiceUnavailableException("task store", Optional.empty(), e);
    }
    try {
      queue.publish(task);
    } catch (RuntimeException e) {
      // The task is durable and stays PENDING with its object: the reconciler re-publishes
      // PENDING tasks whose message never reached the queue, so it will still be delivered.
      // Deleting anything here would turn a late delivery into a lost file.
      throw new ServiceUnavailableException("task queue", Optional.of(id), e);
    }
    return task;
  }

  /**
   * The task with this id if {@code owner} owns it. Malformed ids, unknown ids and other owners'
   * tasks all answer empty, so callers cannot probe for tasks that are not theirs.
   *
   * @throws ServiceUnavailableException if the task store failed
   */
  public Optional<UploadTask> find(String owner, String id) {
    Objects.requireNonNull(owner, "owner");
    if (!TaskId.isValid(id)) {
      return Optional.empty();
    }
    Optional<UploadTask> task;
    try {
      task = tasks.find(new TaskId(id));
    } catch (RuntimeException e) {
      throw new ServiceUnavailableException("task store", Optional.empty(), e);
    }
    return task.filter(t -> t.isOwnedBy(owner));
  }

  private void deleteQuietly(String key, RuntimeException primary) {
    try {
      objects.delete(key);
    } catch (RuntimeException e) {
      if (primary != null) {
        primary.addSuppressed(e); // reported with the primary failure
      } else {
        LOG.warn("Could not delete orphaned object {}; a lifecycle rule must expire it", key, e);
      }
    }
  }
}
