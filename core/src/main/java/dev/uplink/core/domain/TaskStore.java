package dev.uplink.core.domain;

import java.time.Instant;
import java.util.Optional;

/**
 * Durable task records. Every status change is a conditional write: it succeeds only if the task is
 * still in the status the caller expects, so two workers racing on one task cannot both win.
 */
public interface TaskStore {

  /**
   * Records a new task.
   *
   * @throws TaskConflictException if a task with that id already exists
   */
  void create(UploadTask task);

  Optional<UploadTask> find(TaskId id);

  /**
   * Claims a {@link TaskStatus#PENDING} task for processing: PENDING to PROCESSING and one more
   * attempt, in one conditional write.
   *
   * @return the task as stored after the claim
   * @throws TaskConflictException if the task is not PENDING (it carries the current record)
   * @throws TaskNotFoundException if there is no such task
   */
  UploadTask claim(TaskId id, Instant now);

  /**
   * Moves a task from {@code from} to {@code to}, recording {@code error} if there is one.
   *
   * @throws IllegalTaskTransitionException if the state machine forbids the change
   * @throws TaskConflictException if the task is no longer in {@code from}
   * @throws TaskNotFoundException if there is no such task
   */
  UploadTask transition(
      TaskId id, TaskStatus from, TaskStatus to, Optional<TaskError> error, Instant now);
}
