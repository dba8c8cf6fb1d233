package dev.uplink.core.testing;

import dev.uplink.core.domain.AwaitingUpload;
import dev.uplink.core.domain.ClaimVerdict;
import dev.uplink.core.domain.IdempotencyKeyTakenException;
import dev.uplink.core.domain.TaskConflictException;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskNotFoundException;
import dev.uplink.core.domain.TaskPage;
import dev.uplink.core.domain.TaskQuery;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.TaskStore;
import dev.uplink.core.domain.Transition;
import dev.uplink.core.domain.UploadTask;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link TaskStore} in a map, with the port's rules as the real one applies them: conditional
 * writes, claims by {@link UploadTask#claimVerdict} (starting the attempt at 0 bytes pushed),
 * changes to a PROCESSING task fenced by its attempt, conflicts carrying the current record,
 * idempotency keys taken with the task and held for {@link TaskStore#IDEMPOTENCY_WINDOW} (in whole
 * seconds, as DynamoDB's TTL counts), listings newest id first continuing strictly after {@link
 * TaskQuery#after}, and {@link #findStale} by the port's definition. {@code TaskStoreContract}
 * checks it behaves as {@code DynamoDbTaskStore} does.
 *
 * <p>For tests it also records lease extensions and stale queries, and can be made to fail creates,
 * finds and claims.
 */
public final class InMemoryTaskStore implements TaskStore {

  /** The arguments of one {@link #findStale} call. */
  public record StaleQuery(Instant pendingBefore, Instant now, int limit) {}

  /** An owner's idempotency key: the task it names, until the end of its window. */
  private record Guard(TaskId task, long expiresAtEpochSecond) {

    /** Live through its last second, as the real store's takeover condition has it. */
    boolean isLiveAt(Instant now) {
      return expiresAtEpochSecond >= now.getEpochSecond();
    }
  }

  private record GuardKey(String owner, String key) {}

  private final Map<TaskId, UploadTask> tasks = new ConcurrentHashMap<>();
  // Read and written only under this store's lock.
  private final Map<GuardKey, Guard> guards = new HashMap<>();
  private final Clock clock;
  private final List<Instant> leaseExtensions = new CopyOnWriteArrayList<>();
  private final List<StaleQuery> staleQueries = new CopyOnWriteArrayList<>();
  private volatile RuntimeException createFailure;
  private volatile RuntimeException findFailure;
  private volatile RuntimeException claimFailure;

  /** A store whose idempotency keys are held for the window by the system clock. */
  public InMemoryTaskStore() {
    this(Clock.systemUTC());
  }

  /**
   * @param clock when idempotency keys are taken and when their window ends
   */
  public InMemoryTaskStore(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Stores {@code task} as is (any status), replacing what was there: test set-up. Takes no
   * idempotency key.
   */
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
    Instant now = clock.instant();
    Optional<GuardKey> guardKey = task.idempotencyKey().map(key -> new GuardKey(task.owner(), key));
    if (guardKey.isPresent()) {
      Guard guard = guards.get(guardKey.get());
      if (guard != null && guard.isLiveAt(now) && !guard.task().equals(task.id())) {
        throw new IdempotencyKeyTakenException(task.owner(), guard.task());
      }
    }
    UploadTask existing = tasks.putIfAbsent(task.id(), task);
    if (existing != null) {
      throw new TaskConflictException(task.id(), "already exists", Optional.of(existing));
    }
    guardKey.ifPresent(
        key ->
            guards.put(key, new Guard(task.id(), now.plus(IDEMPOTENCY_WINDOW).getEpochSecond())));
  }

  @Override
  public synchronized Optional<UploadTask> findByIdempotencyKey(
      String owner, String idempotencyKey) {
    Guard guard = guards.get(new GuardKey(owner, idempotencyKey));
    if (guard == null || !guard.isLiveAt(clock.instant())) {
      return Optional.empty();
    }
    return find(guard.task()).filter(task -> task.isOwnedBy(owner));
  }

  /**
   * As the real store, examining at most {@link TaskQuery#MAX_EXAMINED} tasks; exact within them:
   * {@code next} when another matching task follows among them, or when tasks remain unexamined.
   */
  @Override
  public TaskPage list(String owner, TaskQuery query) {
    List<UploadTask> newestFirst =
        tasks.values().stream()
            .filter(task -> task.isOwnedBy(owner))
            .filter(task -> query.after().map(after -> isBefore(task.id(), after)).orElse(true))
            .sorted(Comparator.comparing((UploadTask task) -> task.id().value()).reversed())
            .toList();
    var page = new ArrayList<UploadTask>();
    for (int examined = 0; examined < newestFirst.size(); examined++) {
      UploadTask task = newestFirst.get(examined);
      if (examined == TaskQuery.MAX_EXAMINED) {
        return new TaskPage(page, Optional.of(newestFirst.get(examined - 1).id()));
      }
      if (query.matches(task)) {
        if (page.size() == query.limit()) {
          return new TaskPage(page, Optional.of(page.get(page.size() - 1).id()));
        }
        page.add(task);
      }
    }
    return new TaskPage(page, Optional.empty());
  }

  /** Id order is creation order: ids are ULIDs, compared as the real store compares strings. */
  private static boolean isBefore(TaskId id, TaskId other) {
    return id.value().compareTo(other.value()) < 0;
  }

  @Override
  public synchronized void recordProgress(TaskId id, int attempt, long bytesPushed) {
    if (bytesPushed < 0) {
      throw new IllegalArgumentException("bytesPushed must not be negative: " + bytesPushed);
    }
    store(withBytesPushed(requireHeld(id, attempt), bytesPushed));
  }

  @Override
  public List<AwaitingUpload> findAwaitingUploads(Optional<AwaitingUpload> after, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, got " + limit);
    }
    return tasks.values().stream()
        .filter(task -> task.status() == TaskStatus.AWAITING_UPLOAD)
        .map(AwaitingUpload::of)
        .filter(
            upload ->
                after.map(a -> AwaitingUpload.BY_DEADLINE.compare(upload, a) > 0).orElse(true))
        .sorted(AwaitingUpload.BY_DEADLINE)
        .limit(limit)
        .toList();
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
        withBytesPushed(
            appended(
                with(
                    task,
                    TaskStatus.PROCESSING,
                    task.attempts() + 1,
                    task.lastError(),
                    Optional.of(now.plus(lease)),
                    now),
                task.status(),
                Optional.empty()),
            0));
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
    UploadTask finished =
        appended(
            with(
                task,
                to,
                task.attempts(),
                to == TaskStatus.DONE ? Optional.empty() : error.or(task::lastError),
                Optional.empty(),
                now),
            task.status(),
            error);
    return store(to == TaskStatus.DONE ? withBytesPushed(finished, task.size()) : finished);
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
    return store(
        appended(
            with(task, to, task.attempts(), error.or(task::lastError), Optional.empty(), now),
            from,
            error));
  }

  @Override
  public List<UploadTask> findStale(Instant pendingBefore, Instant now, int limit) {
    staleQueries.add(new StaleQuery(pendingBefore, now, limit));
    return tasks.values().stream()
        // The domain says which tasks a worker may claim; of those, a PENDING one is stale only
        // once it has waited since before pendingBefore (its message may be on its way).
        .filter(t -> t.claimVerdict(now) == ClaimVerdict.CLAIMABLE)
        .filter(t -> t.status() != TaskStatus.PENDING || t.updatedAt().isBefore(pendingBefore))
        .sorted(Comparator.comparing(UploadTask::updatedAt))
        .limit(limit)
        .toList();
  }

  @Override
  public List<UploadTask> findProcessing(int limit) {
    return tasks.values().stream()
        .filter(t -> t.status() == TaskStatus.PROCESSING)
        .sorted(Comparator.comparing(UploadTask::updatedAt))
        .limit(limit)
        .toList();
  }

  /** {@code t}, which just changed from {@code from}, with that change on its timeline. */
  private static UploadTask appended(UploadTask t, TaskStatus from, Optional<TaskError> error) {
    var timeline = new ArrayList<>(t.timeline());
    timeline.add(
        new Transition(
            t.updatedAt(),
            Optional.of(from),
            t.status(),
            t.attempts(),
            Transition.reasonFor(Optional.of(from), t.status(), error)));
    return t.toBuilder().timeline(timeline).build();
  }

  /**
   * {@code t} with another status, attempts, error and lease, updated at {@code now}; its direct
   * upload, bytes pushed, idempotency key and timeline stay.
   */
  public static UploadTask with(
      UploadTask t,
      TaskStatus status,
      int attempts,
      Optional<TaskError> error,
      Optional<Instant> leaseUntil,
      Instant now) {
    return t.toBuilder()
        .status(status)
        .attempts(attempts)
        .lastError(error)
        .leaseUntil(leaseUntil)
        .updatedAt(now)
        .build();
  }

  private static UploadTask withBytesPushed(UploadTask t, long bytesPushed) {
    return t.toBuilder().bytesPushed(bytesPushed).build();
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
