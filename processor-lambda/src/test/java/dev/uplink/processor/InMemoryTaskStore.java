package dev.uplink.processor;

import dev.uplink.core.domain.TaskConflictException;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskNotFoundException;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.TaskStore;
import dev.uplink.core.domain.UploadTask;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link TaskStore} in a map, with the same conditional-write rules as the real one. */
public final class InMemoryTaskStore implements TaskStore {

  private final Map<TaskId, UploadTask> tasks = new ConcurrentHashMap<>();

  /** Stores {@code task} as is (any status), replacing what was there. */
  public void put(UploadTask task) {
    tasks.put(task.id(), task);
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
  public synchronized UploadTask claim(TaskId id, Instant now) {
    UploadTask task = tasks.get(id);
    if (task == null) {
      throw new TaskNotFoundException(id);
    }
    if (task.status() != TaskStatus.PENDING) {
      throw new TaskConflictException(
          id, "is " + task.status() + ", not PENDING", Optional.of(task));
    }
    UploadTask claimed =
        with(task, TaskStatus.PROCESSING, task.attempts() + 1, task.lastError(), now);
    tasks.put(id, claimed);
    return claimed;
  }

  @Override
  public synchronized UploadTask transition(
      TaskId id, TaskStatus from, TaskStatus to, Optional<TaskError> error, Instant now) {
    from.requireChangeTo(to);
    UploadTask task = tasks.get(id);
    if (task == null) {
      throw new TaskNotFoundException(id);
    }
    if (task.status() != from) {
      throw new TaskConflictException(
          id, "is " + task.status() + ", not " + from, Optional.of(task));
    }
    UploadTask changed = with(task, to, task.attempts(), error.or(task::lastError), now);
    tasks.put(id, changed);
    return changed;
  }

  private static UploadTask with(
      UploadTask t, TaskStatus status, int attempts, Optional<TaskError> error, Instant now) {
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
        t.createdAt(),
        now);
  }
}
