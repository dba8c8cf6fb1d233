package dev.uplink.api;

import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.DestinationPolicy;
import dev.uplink.core.domain.DirectUploads;
import dev.uplink.core.domain.IdempotencyKeyTakenException;
import dev.uplink.core.domain.ObjectStore;
import dev.uplink.core.domain.TaskConflictException;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskPage;
import dev.uplink.core.domain.TaskQuery;
import dev.uplink.core.domain.TaskQueue;
import dev.uplink.core.domain.TaskSealer;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.TaskStore;
import dev.uplink.core.domain.UploadTask;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
  private final UploadLimits limits;
  private final IdempotencyKeys idempotency;
  private final Optional<DirectUploadService> direct;
  private final Outages outages;
  private final Optional<TaskSealer> sealer;

  /** A service with {@link UploadLimits#defaults()} and no presigned uploads. */
  public UploadService(TaskStore tasks, ObjectStore objects, TaskQueue queue, Clock clock) {
    this(tasks, objects, queue, clock, UploadLimits.defaults(), Optional.empty());
  }

  /**
   * A service whose dependencies' outages are {@link Outages#NETWORK} failures, and that seals
   * nothing.
   *
   * @param directUploads the store's presigned uploads; without them only streamed uploads work
   */
  public UploadService(
      TaskStore tasks,
      ObjectStore objects,
      TaskQueue queue,
      Clock clock,
      UploadLimits limits,
      Optional<DirectUploads> directUploads) {
    this(tasks, objects, queue, clock, limits, directUploads, Outages.NETWORK, Optional.empty());
  }

  /**
   * @param directUploads the store's presigned uploads; without them only streamed uploads work
   * @param outages which of the dependencies' failures mean they are down (503), not a bug (500)
   * @param sealer seals every task it creates, so the processor can tell it was not rewritten
   */
  public UploadService(
      TaskStore tasks,
      ObjectStore objects,
      TaskQueue queue,
      Clock clock,
      UploadLimits limits,
      Optional<DirectUploads> directUploads,
      Outages outages,
      Optional<TaskSealer> sealer) {
    this.outages = Objects.requireNonNull(outages, "outages");
    this.sealer = Objects.requireNonNull(sealer, "sealer");
    this.tasks = Objects.requireNonNull(tasks, "tasks");
    this.objects = Objects.requireNonNull(objects, "objects");
    this.queue = Objects.requireNonNull(queue, "queue");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.limits = Objects.requireNonNull(limits, "limits");
    this.idempotency = new IdempotencyKeys(tasks);
    this.direct =
        directUploads.map(
            uploads ->
                new DirectUploadService(tasks, uploads, objects, queue, clock, limits, sealer));
  }

  public UploadLimits limits() {
    return limits;
  }

  /**
   * Which failures of the task store, object store and queue mean they are down: a {@link
   * ServiceUnavailableException} whose cause is one of those asks the client to retry later; any
   * other is a bug.
   */
  public Outages outages() {
    return outages;
  }

  /** Presigned uploads, when the object store offers them. */
  public Optional<DirectUploadService> direct() {
    return direct;
  }

  /** The object store key an upload's bytes wait under. */
  public static String objectKeyFor(TaskId id) {
    return KEY_PREFIX + id.value();
  }

  /** The task whose bytes wait under {@code objectKey}; empty for any other key. */
  public static Optional<TaskId> taskIdOf(String objectKey) {
    if (objectKey == null || !objectKey.startsWith(KEY_PREFIX)) {
      return Optional.empty();
    }
    String id = objectKey.substring(KEY_PREFIX.length());
    return TaskId.isValid(id) ? Optional.of(new TaskId(id)) : Optional.empty();
  }

  /** {@link #accept(Caller, Destination, InputStream, Optional)} without an idempotency key. */
  public UploadTask accept(String owner, Destination destination, InputStream body) {
    return accept(
        new Caller(owner, DestinationPolicy.allowAll()), destination, body, Optional.empty());
  }

  /**
   * Checks the destination against the caller's policy before a byte is read, then stores {@code
   * body} and records a PENDING task for it, then announces the task on the queue. The body is read
   * to its end but not closed: the caller owns it.
   *
   * <p>With an {@code idempotencyKey} the caller already used (for the same destination), the task
   * created then is returned and the body is not read: a retried request gets the same answer.
   *
   * @param caller the authenticated caller the task will belong to
   * @param destination where the worker will push the file (already validated)
   * @param body the file's bytes
   * @return the task as recorded
   * @throws RequestRejectedException FORBIDDEN by the policy, TOO_LARGE past the limit (nothing is
   *     left behind), IDEMPOTENCY_MISMATCH for a reused key
   * @throws EmptyUploadException if the body has no bytes (checked before anything is stored)
   * @throws UnreadableBodyException if the body broke off; nothing is left behind
   * @throws ServiceUnavailableException if the object store, task store or queue failed
   */
  public UploadTask accept(
      Caller caller, Destination destination, InputStream body, Optional<String> idempotencyKey) {
    Objects.requireNonNull(caller, "caller");
    Objects.requireNonNull(destination, "destination");
    Objects.requireNonNull(body, "body");
    String owner = caller.owner();
    requireAllowed(caller, destination);
    Optional<UploadTask> replay =
        idempotency.replay(owner, idempotencyKey, existing -> sameStreamed(existing, destination));
    if (replay.isPresent()) {
      return replay.get();
    }

    var measured = new MeasuringInputStream(body, limits.maxUploadBytes());
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
        throw bodyFailure(measured.failure());
      }
      throw new ServiceUnavailableException("object store", Optional.empty(), e);
    }
    if (measured.failure() != null) {
      // The store swallowed a read failure and kept a truncated object.
      deleteQuietly(key, null);
      throw bodyFailure(measured.failure());
    }
    if (size != measured.count()) {
      deleteQuietly(key, null);
      throw new IllegalStateException(
          "The object store reported %d bytes for %s but %d were read"
              .formatted(size, key, measured.count()));
    }

    var pending =
        UploadTask.pending(
            id,
            owner,
            destination,
            key,
            size,
            measured.sha256Hex(),
            clock.instant().truncatedTo(ChronoUnit.MILLIS));
    var unsealed = idempotencyKey.map(pending::withIdempotencyKey).orElse(pending);
    var task = sealer.map(s -> s.seal(unsealed)).orElse(unsealed);
    try {
      tasks.create(task);
    } catch (IdempotencyKeyTakenException e) {
      // A concurrent request with the same key won: its task is the answer, this copy goes.
      deleteQuietly(key, null);
      return idempotency.winner(e, existing -> sameStreamed(existing, destination));
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

  /**
   * The caller's task, or NOT_FOUND (malformed id, unknown id, another owner's task alike).
   *
   * @throws RequestRejectedException NOT_FOUND
   */
  public UploadTask require(String owner, String id) {
    return find(owner, id).orElseThrow(RequestRejectedException::notFound);
  }

  /**
   * One page of the caller's tasks, newest first.
   *
   * @throws ServiceUnavailableException if the task store failed
   */
  public TaskPage list(String owner, TaskQuery query) {
    Objects.requireNonNull(owner, "owner");
    try {
      return tasks.list(owner, query);
    } catch (RuntimeException e) {
      throw new ServiceUnavailableException("task store", Optional.empty(), e);
    }
  }

  /**
   * Withdraws a task that no worker has started: AWAITING_UPLOAD or PENDING becomes CANCELLED (a
   * worker holding its message skips it), and its bytes are deleted. Cancelling a CANCELLED task
   * again answers it unchanged.
   *
   * @throws RequestRejectedException NOT_FOUND, or WRONG_STATUS once PROCESSING or finished
   * @throws ServiceUnavailableException if the task store failed
   */
  public UploadTask cancel(String owner, String id) {
    UploadTask task = require(owner, id);
    while (true) {
      if (task.status() == TaskStatus.CANCELLED) {
        return task;
      }
      if (!task.status().canChangeTo(TaskStatus.CANCELLED)) {
        throw RequestRejectedException.wrongStatus(task, "cancelled");
      }
      try {
        UploadTask cancelled =
            tasks.transition(
                task.id(), task.status(), TaskStatus.CANCELLED, Optional.empty(), now());
        discardBytes(cancelled);
        return cancelled;
      } catch (TaskConflictException e) {
        // It moved on meanwhile (claimed, completed): decide again on what it is now.
        task = e.current().orElseThrow(RequestRejectedException::notFound);
      } catch (RuntimeException e) {
        throw new ServiceUnavailableException("task store", Optional.empty(), e);
      }
    }
  }

  /**
   * Waits up to {@code wait} for the caller's task to change (its status, or its progress while
   * PROCESSING) and answers it as it then is: at once if {@code wait} is zero. Polls the store with
   * a backoff from 100 ms to 1 s, so a waiting client costs about one read a second.
   *
   * @throws RequestRejectedException NOT_FOUND
   * @throws ServiceUnavailableException if the task store failed
   */
  public UploadTask awaitChange(String owner, String id, Duration wait) {
    UploadTask seen = require(owner, id);
    // Elapsed time, not the service's clock: that one may be fixed (tests) or jump.
    long deadline = System.nanoTime() + wait.toNanos();
    long pauseMillis = 100;
    while (!seen.status().isTerminal()) {
      long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
      if (leftMillis <= 0) {
        break;
      }
      try {
        Thread.sleep(Math.min(pauseMillis, leftMillis));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      pauseMillis = Math.min(1000, pauseMillis * 2);
      UploadTask now = require(owner, id);
      if (now.status() != seen.status() || now.bytesPushed() != seen.bytesPushed()) {
        return now;
      }
      seen = now;
    }
    return seen;
  }

  /** Refuses a destination the caller's policy does not allow, before anything is stored. */
  static void requireAllowed(Caller caller, Destination destination) {
    caller
        .policy()
        .refusedField(destination)
        .ifPresent(
            field -> {
              throw new RequestRejectedException(
                  RequestRejectedException.Reason.FORBIDDEN,
                  "Your API key may not send files to "
                      + destination.instance()
                      + ":"
                      + destination.path(),
                  field,
                  Optional.empty());
            });
  }

  private static boolean sameStreamed(UploadTask existing, Destination destination) {
    return existing.directUpload().isEmpty() && existing.destination().equals(destination);
  }

  private RuntimeException bodyFailure(IOException failure) {
    if (failure instanceof MeasuringInputStream.TooLarge) {
      return new RequestRejectedException(
          RequestRejectedException.Reason.TOO_LARGE,
          failure.getMessage(),
          "file",
          Optional.empty());
    }
    return new UnreadableBodyException(failure);
  }

  /** A cancelled task's bytes: its object, and the parts of an unfinished multipart upload. */
  private void discardBytes(UploadTask task) {
    direct.ifPresent(d -> d.abortParts(task));
    deleteQuietly(task.objectKey(), null);
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
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
