package dev.uplink.core.testing;

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

/**
 * A {@link TaskStore} in a map, with the port's rules as the real one applies them: conditional
 * writes, claims by {@link UploadTask#claimVerdict}, changes to a PROCESSING task fenced by its
 * attempt, conflicts carrying the current record, and {@link #findStale} by the port's definition.
 *
 * <p>For tests it also records lease extensions and stale queries, and can be made to fail creates,
 * finds and claims.
 */
public final class InMemoryTaskStore implements TaskStore {

  /** The arguments of one {@link #findStale} call. */
  public record StaleQuery(Instant pendingBefore, Instant now, int limit) {}

  private final Map<TaskId, UploadTask> tasks = new ConcurrentHashMap<>();
  private final List<Instant> leaseExtensions = new CopyOnWriteArrayList<>();
  private final List<StaleQuery> staleQueries = new CopyOnWriteArrayList<>();
  private volatile RuntimeException createFailure;
  private volatile RuntimeException findFailure;
  private volatile RuntimeException claimFailure;

  /** Stores {@code task} as is (any status), replacing what was there: test set-up. */
  public void put(UploadTask task) {
    tasks.put(task.id(), task);
  }

  /** Every task stored, in no particular order. */
  public List<UploadTask> all() {
    return List.copyOf(tasks.values());
  }

  /** Every later {@link #create} throws {@code failure} (null to heal). */
  public void failCreatesWith(RuntimeException failure) {
    this.createFailure = failure;
  }

  /** Every later {@link #find} throws {@code failure} (null to heal). */
  public void failFindsWith(RuntimeException failure) {
    this.findFailure = failure;
  }

  /** Every later {@link #claim} throws {@code failure} (null to heal). */
  public void failClaimsWith(RuntimeException failure) {
    this.claimFailure = failure;
  }

  /** Every lease a heartbeat extended to, in order. */
  public List<Instant> leaseExtensions() {
    return List.copyOf(leaseExtensions);
  }

  /** Every {@link #findStale} call, in order. */
  public List<StaleQuery> staleQueries() {
    return List.copyOf(staleQueries);
  }

  @Override
  public synchronized void create(UploadTask task) {
    RuntimeException failure = createFailure;
    if (failure != null) {
      throw failure;
    }
    UploadTask existing = tasks.putIfAbsent(task.id(), task);
    if (existing != null) {
      throw new TaskConflictException(task.id(), "already exists", Optional.of(existing));
    }
  }

  @Override
  public Optional<UploadTask> find(TaskId id) {
    RuntimeException failure = findFailure;
    if (failure != null) {
      throw failure;
    }
    return Optional.ofNullable(tasks.get(id));
  }

  @Override
  public synchronized UploadTask claim(TaskId id, Instant now, Duration lease) {
    RuntimeException failure = claimFailure;
    if (failure != null) {
      throw failure;
    }
    UploadTask task = require(id);
    if (task.claimVerdict(now) != ClaimVerdict.CLAIMABLE) {
      throw new TaskConflictException(
          id, "is " + task.status() + " and not claimable", Optional.of(task));
    }
    return store(
        with(
            task,
            TaskStatus.PROCESSING,
            task.attempts() + 1,
            task.lastError(),
            Optional.of(now.plus(lease)),
            now));
  }

  @Override
  public synchronized UploadTask extendLease(TaskId id, int attempt, Instant until) {
    UploadTask task = requireHeld(id, attempt);
    UploadTask extended =
        store(
            with(
                task,
                task.status(),
                task.attempts(),
                task.lastError(),
                Optional.of(until),
                task.updatedAt()));
    leaseExtensions.add(until);
    return extended;
  }

  @Override
  public synchronized UploadTask finish(
      TaskId id, int attempt, TaskStatus to, Optional<TaskError> error, Instant now) {
    TaskStatus.PROCESSING.requireChangeTo(to);
    UploadTask task = requireHeld(id, attempt);
    return store(with(task, to, task.attempts(), error.or(task::lastError), Optional.empty(), now));
  }

  /** As the real store: never to PROCESSING (only {@link #claim} does that), clears the lease. */
  @Override
  public synchronized UploadTask transition(
      TaskId id, TaskStatus from, TaskStatus to, Optional<TaskError> error, Instant now) {
    from.requireChangeTo(to);
    if (to == TaskStatus.PROCESSING) {
      throw new IllegalArgumentException("a task becomes PROCESSING only by claim()");
    }
    UploadTask task = require(id);
    if (task.status() != from) {
      throw new TaskConflictException(
          id, "is " + task.status() + ", not " + from, Optional.of(task));
    }
    return store(with(task, to, task.attempts(), error.or(task::lastError), Optional.empty(), now));
  }

  @Override
  public List<UploadTask> findStale(Instant pendingBefore, Instant now, int limit) {
    staleQueries.add(new StaleQuery(pendingBefore, now, limit));
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

  /** {@code t} with another status, attempts, error and lease, updated at {@code now}. */
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

  private UploadTask store(UploadTask task) {
    tasks.put(task.id(), task);
    return task;
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
}
