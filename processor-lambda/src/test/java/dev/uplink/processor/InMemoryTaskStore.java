package dev.uplink.processor;

import dev.uplink.core.domain.ClaimVerdict;
import dev.uplink.core.domain.TaskConflictException;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskNotFoundException;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.TaskStore;
import dev.uplink.core.domain.UploadTask;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link TaskStore} in a map, with the same conditional-write and fencing rules as the real one,
 * plus a record of lease extensions and an injectable claim failure.
 */
public final class InMemoryTaskStore implements TaskStore {

  private final Map<TaskId, UploadTask> tasks = new ConcurrentHashMap<>();
  private final List<Instant> leaseExtensions = new CopyOnWriteArrayList<>();
  private final AtomicReference<RuntimeException> claimFailure = new AtomicReference<>();

  /** Stores {@code task} as is (any status), replacing what was there. */
  public void put(UploadTask task) {
    tasks.put(task.id(), task);
  }

  /** The next claims throw {@code failure} (null: stop failing). */
  public void failClaimsWith(RuntimeException failure) {
    claimFailure.set(failure);
  }

  /** Every lease a heartbeat extended to, in order. */
  public List<Instant> leaseExtensions() {
    return List.copyOf(leaseExtensions);
  }

  @Override
  public synchronized void create(UploadTask task) {
    if (tasks.putIfAbsent(task.id(), task) != null) {
      throw new TaskConflictException(
          task.id(), "already exists", Optional.of(tasks.get(task.id())));
    }
  }

  @Override
  public Optional<UploadTask> find(TaskId id) {
    return Optional.ofNullable(tasks.get(id));
  }

  @Override
  public synchronized UploadTask claim(TaskId id, Instant now, Duration lease) {
    RuntimeException failure = claimFailure.get();
    if (failure != null) {
      throw failure;
    }
    UploadTask task = require(id);
    if (task.claimVerdict(now) != ClaimVerdict.CLAIMABLE) {
      throw new TaskConflictException(
          id, "is " + task.status() + " and not claimable", Optional.of(task));
    }
    UploadTask claimed =
        with(
            task,
            TaskStatus.PROCESSING,
            task.attempts() + 1,
            task.lastError(),
            Optional.of(now.plus(lease)),
            now);
    tasks.put(id, claimed);
    return claimed;
  }

  @Override
  public synchronized UploadTask extendLease(TaskId id, int attempt, Instant until) {
    UploadTask task = requireHeld(id, attempt);
    UploadTask extended =
        with(
            task,
            task.status(),
            task.attempts(),
            task.lastError(),
            Optional.of(until),
            task.updatedAt());
    tasks.put(id, extended);
    leaseExtensions.add(until);
    return extended;
  }

  @Override
  public synchronized UploadTask finish(
      TaskId id, int attempt, TaskStatus to, Optional<TaskError> error, Instant now) {
    TaskStatus.PROCESSING.requireChangeTo(to);
    UploadTask task = requireHeld(id, attempt);
    UploadTask finished =
        with(task, to, task.attempts(), error.or(task::lastError), Optional.empty(), now);
    tasks.put(id, finished);
    return finished;
  }

  @Override
  public synchronized UploadTask transition(
      TaskId id, TaskStatus from, TaskStatus to, Optional<TaskError> error, Instant now) {
    from.requireChangeTo(to);
    UploadTask task = require(id);
    if (task.status() != from) {
      throw new TaskConflictException(
          id, "is " + task.status() + ", not " + from, Optional.of(task));
    }
    UploadTask changed =
        with(task, to, task.attempts(), error.or(task::lastError), task.leaseUntil(), now);
    tasks.put(id, changed);
    return changed;
  }

  @Override
  public List<UploadTask> findStale(Instant pendingBefore, Instant now, int limit) {
    return tasks.values().stream()
        .filter(
            t ->
                (t.status() == TaskStatus.PENDING && t.updatedAt().isBefore(pendingBefore))
                    || (t.status() == TaskStatus.PROCESSING
                        && t.claimVerdict(now) == ClaimVerdict.CLAIMABLE))
        .sorted(Comparator.comparing(UploadTask::updatedAt))
        .limit(limit)
        .toList();
  }

  private UploadTask require(TaskId id) {
    UploadTask task = tasks.get(id);
    if (task == null) {
      throw new TaskNotFoundException(id);
    }
    return task;
  }

  private UploadTask requireHeld(TaskId id, int attempt) {
    UploadTask task = require(id);
    if (task.status() != TaskStatus.PROCESSING || task.attempts() != attempt) {
      throw new TaskConflictException(
          id,
          "is %s at attempt %d, not PROCESSING at attempt %d"
              .formatted(task.status(), task.attempts(), attempt),
          Optional.of(task));
    }
    return task;
  }

  /** {@code t} with another status, attempts, error and lease. */
  public static UploadTask with(
      UploadTask t,
      TaskStatus status,
      int attempts,
      Optional<TaskError> error,
      Optional<Instant> leaseUntil,
      Instant now) {
    return new UploadTask(
        t.id(),
        t.owner(),
        t.destination(),
        t.objectKey(),
        t.size(),
        t.sha256(),
        status,
        attempts,
        error,
        leaseUntil,
        t.createdAt(),
        now);
  }
}
