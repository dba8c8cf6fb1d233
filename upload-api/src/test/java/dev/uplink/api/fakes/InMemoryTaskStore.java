package dev.uplink.api.fakes;

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

/** A task store in a map, with the port's conditional-write rules and injectable failures. */
public final class InMemoryTaskStore implements TaskStore {

  private final Map<TaskId, UploadTask> tasks = new ConcurrentHashMap<>();
  private volatile RuntimeException createFailure;
  private volatile RuntimeException findFailure;

  /** Every later {@link #create} throws {@code failure} (null to heal). */
  public void failCreatesWith(RuntimeException failure) {
    this.createFailure = failure;
  }

  /** Every later {@link #find} throws {@code failure} (null to heal). */
  public void failFindsWith(RuntimeException failure) {
    this.findFailure = failure;
  }

  public List<UploadTask> all() {
    return List.copyOf(tasks.values());
  }

  /** Puts a task as is, bypassing the rules (test set-up). */
  public void save(UploadTask task) {
    tasks.put(task.id(), task);
  }

  @Override
  public void create(UploadTask task) {
    if (createFailure != null) {
      throw createFailure;
    }
    if (tasks.putIfAbsent(task.id(), task) != null) {
      throw new TaskConflictException(
          task.id(), "already exists", Optional.ofNullable(tasks.get(task.id())));
    }
  }

  @Override
  public Optional<UploadTask> find(TaskId id) {
    if (findFailure != null) {
      throw findFailure;
    }
    return Optional.ofNullable(tasks.get(id));
  }

  @Override
  public UploadTask claim(TaskId id, Instant now, Duration lease) {
    UploadTask current = require(id);
    if (current.claimVerdict(now) != ClaimVerdict.CLAIMABLE) {
      throw new TaskConflictException(id, "not claimable", Optional.of(current));
    }
    return replace(
        current,
        with(
            current,
            TaskStatus.PROCESSING,
            current.attempts() + 1,
            current.lastError(),
            Optional.of(now.plus(lease)),
            now));
  }

  @Override
  public UploadTask extendLease(TaskId id, int attempt, Instant until) {
    UploadTask current = requireClaim(id, attempt);
    return replace(
        current,
        with(
            current,
            current.status(),
            current.attempts(),
            current.lastError(),
            Optional.of(until),
            current.updatedAt()));
  }

  @Override
  public UploadTask finish(
      TaskId id, int attempt, TaskStatus to, Optional<TaskError> error, Instant now) {
    TaskStatus.PROCESSING.requireChangeTo(to);
    UploadTask current = requireClaim(id, attempt);
    return replace(
        current,
        with(
            current,
            to,
            current.attempts(),
            error.isPresent() ? error : current.lastError(),
            Optional.empty(),
            now));
  }

  @Override
  public UploadTask transition(
      TaskId id, TaskStatus from, TaskStatus to, Optional<TaskError> error, Instant now) {
    from.requireChangeTo(to);
    UploadTask current = require(id);
    if (current.status() != from) {
      throw new TaskConflictException(id, "not " + from, Optional.of(current));
    }
    return replace(
        current,
        with(
            current,
            to,
            current.attempts(),
            error.isPresent() ? error : current.lastError(),
            Optional.empty(),
            now));
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

  private UploadTask requireClaim(TaskId id, int attempt) {
    UploadTask current = require(id);
    if (current.status() != TaskStatus.PROCESSING || current.attempts() != attempt) {
      throw new TaskConflictException(
          id, "attempt " + attempt + " no longer holds it", Optional.of(current));
    }
    return current;
  }

  private static UploadTask with(
      UploadTask current,
      TaskStatus status,
      int attempts,
      Optional<TaskError> lastError,
      Optional<Instant> leaseUntil,
      Instant updatedAt) {
    return new UploadTask(
        current.id(),
        current.owner(),
        current.destination(),
        current.objectKey(),
        current.size(),
        current.sha256(),
        status,
        attempts,
        lastError,
        leaseUntil,
        current.createdAt(),
        updatedAt);
  }

  private UploadTask require(TaskId id) {
    UploadTask task = tasks.get(id);
    if (task == null) {
      throw new TaskNotFoundException(id);
    }
    return task;
  }

  private UploadTask replace(UploadTask current, UploadTask next) {
    if (!tasks.replace(current.id(), current, next)) {
      throw new TaskConflictException(current.id(), "changed concurrently", find(current.id()));
    }
    return next;
  }
}
