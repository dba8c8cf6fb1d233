package dev.uplink.api;

import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.DirectUploads;
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
import java.util.function.Predicate;

/**
 * Accepts uploads: streams the body into the object store while counting and hashing it, records a
 * PENDING task, then publishes its id. Reads tasks back for their owner only.
 *
 * <p>Memory stays bounded by whatever the object store buffers (one part): the body is never read
 * into memory here.
 */
public final class UploadService {

  private final TaskStore tasks;
  private final ObjectStore objects;
  private final Clock clock;
  private final UploadLimits limits;
  private final TaskIntake intake;
  private final StoredBytes bytes;
  private final Optional<DirectUploadService> direct;
  private final Outages outages;
  private final KnownRemotes remotes;

  /** A service with {@link UploadLimits#defaults()} and no presigned uploads. */
  public UploadService(TaskStore tasks, ObjectStore objects, TaskQueue queue, Clock clock) {
    this(tasks, objects, queue, clock, UploadLimits.defaults(), Optional.empty());
  }

  /**
   * A service whose dependencies' outages are {@link Outages#DEPENDENCIES}, and that seals nothing.
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
    this(
        tasks,
        objects,
        queue,
        clock,
        limits,
        directUploads,
        Outages.DEPENDENCIES,
        Optional.empty());
  }

  /**
   * The streamed uploads and, with {@code directUploads}, the presigned ones ({@link #direct()}),
   * both handing their tasks over through one {@link TaskIntake}.
   *
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
    this(
        tasks,
        objects,
        queue,
        clock,
        limits,
        directUploads,
        outages,
        sealer,
        KnownRemotes.defaultOnly());
  }

  /**
   * Like the one above, for a deployment with Incus remotes besides the default one.
   *
   * @param remotes the remotes a destination may name; any other is refused (400, field {@code
   *     remote})
   */
  public UploadService(
      TaskStore tasks,
      ObjectStore objects,
      TaskQueue queue,
      Clock clock,
      UploadLimits limits,
      Optional<DirectUploads> directUploads,
      Outages outages,
      Optional<TaskSealer> sealer,
      KnownRemotes remotes) {
    this.remotes = Objects.requireNonNull(remotes, "remotes");
    this.outages = Objects.requireNonNull(outages, "outages");
    this.tasks = Objects.requireNonNull(tasks, "tasks");
    this.objects = Objects.requireNonNull(objects, "objects");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.limits = Objects.requireNonNull(limits, "limits");
    this.intake = new TaskIntake(tasks, queue, clock, sealer);
    this.bytes = new StoredBytes(objects, directUploads);
    // The presigned uploads share the intake and the clean-up; neither service calls the other.
    this.direct =
        directUploads.map(
            uploads ->
                new DirectUploadService(tasks, uploads, bytes, intake, clock, limits, remotes));
  }

  public UploadLimits limits() {
    return limits;
  }

  /**
   * Which failures of the task store, object store and queue mean they are down: a {@link
   * DependencyFailedException} whose cause is one of those asks the client to retry later; any
   * other is a bug.
   */
  public Outages outages() {
    return outages;
  }

  /** Presigned uploads, when the object store offers them. */
  public Optional<DirectUploadService> direct() {
    return direct;
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
   * @throws DependencyFailedException if the object store, task store or queue failed
   */
  public UploadTask accept(
      Caller caller, Destination destination, InputStream body, Optional<String> idempotencyKey) {
    Objects.requireNonNull(caller, "caller");
    Objects.requireNonNull(destination, "destination");
    Objects.requireNonNull(body, "body");
    String owner = caller.owner();
    remotes.require(destination);
    DestinationPermission.require(caller, destination);
    Predicate<UploadTask> sameRequest = existing -> sameStreamed(existing, destination);
    Optional<UploadTask> replay = intake.replay(owner, idempotencyKey, sameRequest);
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
    String key = ObjectKeys.of(id);
    long size;
    try {
      size = objects.put(key, content);
    } catch (RuntimeException e) {
      // The store's contract: a failed put leaves nothing behind. Whose fault was it?
      if (measured.failure() != null) {
        throw bodyFailure(measured.failure());
      }
      throw new DependencyFailedException("object store", Optional.empty(), e);
    }
    if (measured.failure() != null) {
      // The store swallowed a read failure and kept a truncated object.
      bytes.delete(key);
      throw bodyFailure(measured.failure());
    }
    if (size != measured.count()) {
      bytes.delete(key);
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
    UploadTask recorded =
        intake.record(pending, idempotencyKey, sameRequest, () -> bytes.delete(key));
    if (!recorded.id().equals(id)) {
      return recorded; // a concurrent request with the same key won: its task is the answer
    }
    return intake.publish(recorded);
  }

  /**
   * The task with this id if {@code owner} owns it. Malformed ids, unknown ids and other owners'
   * tasks all answer empty, so callers cannot probe for tasks that are not theirs.
   *
   * @throws DependencyFailedException if the task store failed
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
      throw new DependencyFailedException("task store", Optional.empty(), e);
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
   * @throws DependencyFailedException if the task store failed
   */
  public TaskPage list(String owner, TaskQuery query) {
    Objects.requireNonNull(owner, "owner");
    try {
      return tasks.list(owner, query);
    } catch (RuntimeException e) {
      throw new DependencyFailedException("task store", Optional.empty(), e);
    }
  }

  /**
   * Withdraws a task that no worker has started: AWAITING_UPLOAD or PENDING becomes CANCELLED (a
   * worker holding its message skips it), and its bytes are deleted. Cancelling a CANCELLED task
   * again answers it unchanged.
   *
   * @throws RequestRejectedException NOT_FOUND, or WRONG_STATUS once PROCESSING or finished
   * @throws DependencyFailedException if the task store failed
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
        bytes.discard(cancelled);
        return cancelled;
      } catch (TaskConflictException e) {
        // It moved on meanwhile (claimed, completed): decide again on what it is now.
        task = e.current().orElseThrow(RequestRejectedException::notFound);
      } catch (RuntimeException e) {
        throw new DependencyFailedException("task store", Optional.empty(), e);
      }
    }
  }

  /**
   * Waits up to {@code wait} for the caller's task to change (its status, or its progress while
   * PROCESSING) and answers it as it then is: at once if {@code wait} is zero. Polls the store with
   * a backoff from 100 ms to 1 s, so a waiting client costs about one read a second.
   *
   * @throws RequestRejectedException NOT_FOUND
   * @throws DependencyFailedException if the task store failed
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

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }
}
