package dev.uplink.core.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Durable task records. Every status change is a conditional write: it succeeds only if the task is
 * still as the caller expects, so two workers racing on one task cannot both win.
 *
 * <p>Changes to a PROCESSING task are <em>fenced</em> by the attempt number its claim returned: a
 * worker whose lease expired and whose task was claimed again by another worker can no longer
 * extend, finish or release it.
 */
public interface TaskStore {

  /**
   * Records a new task. A task with an {@link UploadTask#idempotencyKey} also takes that key for
   * its owner, in the same atomic write: of two tasks created under one key, only the first is
   * stored. A key is held for {@link #IDEMPOTENCY_WINDOW}; after that it may be used again.
   *
   * @throws TaskConflictException if a task with that id already exists
   * @throws IdempotencyKeyTakenException if the owner's key already names another task; nothing was
   *     stored
   */
  void create(UploadTask task);

  /** How long an {@code Idempotency-Key} names the task first created under it. */
  Duration IDEMPOTENCY_WINDOW = Duration.ofHours(24);

  Optional<UploadTask> find(TaskId id);

  /** The task {@code owner} created under {@code idempotencyKey}, within the window. */
  Optional<UploadTask> findByIdempotencyKey(String owner, String idempotencyKey);

  /**
   * One page of an owner's tasks, newest first, matching {@code query}. A page looks at no more
   * than {@link TaskQuery#MAX_EXAMINED} of the owner's tasks: with a filter it may hold fewer than
   * {@code limit} tasks, even none, and still have a {@link TaskPage#next} to go on from. Reads an
   * index that may lag a change made a moment ago.
   */
  TaskPage list(String owner, TaskQuery query);

  /**
   * Records how many bytes the claim {@code attempt} has pushed so far.
   *
   * @throws TaskConflictException if the task is no longer PROCESSING under that attempt
   * @throws TaskNotFoundException if there is no such task
   */
  void recordProgress(TaskId id, int attempt, long bytesPushed);

  /**
   * Tasks AWAITING_UPLOAD by the deadline of their upload, earliest first, strictly after {@code
   * after} in the store's order (empty: from the first), at most {@code limit}. Uploads with the
   * same deadline come in an order of the store's own (by id in memory, {@link
   * AwaitingUpload#BY_DEADLINE}; unspecified but stable in a DynamoDB index), each once across the
   * pages: a sweep pages through those whose deadline has passed (to complete or fail them) and
   * looks at the others for uploads that arrived unannounced. Reads an index that may lag: read a
   * task before changing it.
   */
  List<AwaitingUpload> findAwaitingUploads(Optional<AwaitingUpload> after, int limit);

  /**
   * Claims a task whose {@link UploadTask#claimVerdict} is {@link ClaimVerdict#CLAIMABLE}: it
   * becomes PROCESSING with one more attempt and a lease until {@code now + lease}, in one
   * conditional write.
   *
   * @return the task as stored after the claim; its {@code attempts} is the fencing token
   * @throws TaskConflictException if the task is not claimable (it carries the current record)
   * @throws TaskNotFoundException if there is no such task
   */
  UploadTask claim(TaskId id, Instant now, Duration lease);

  /**
   * Extends the lease of the claim {@code attempt} (a heartbeat).
   *
   * @throws TaskConflictException if the task is no longer PROCESSING under that attempt
   * @throws TaskNotFoundException if there is no such task
   */
  UploadTask extendLease(TaskId id, int attempt, Instant until);

  /**
   * Ends the claim {@code attempt}: PROCESSING to {@code to} (DONE, FAILED, or PENDING to give the
   * task back for a later attempt), clearing the lease and recording {@code error} if present. A
   * task finished DONE has pushed all its bytes: its {@code bytesPushed} becomes its size, and it
   * has no last error (earlier attempts' failures stay in its timeline).
   *
   * @throws IllegalTaskTransitionException if the state machine forbids PROCESSING to {@code to}
   * @throws TaskConflictException if the task is no longer PROCESSING under that attempt
   * @throws TaskNotFoundException if there is no such task
   */
  UploadTask finish(TaskId id, int attempt, TaskStatus to, Optional<TaskError> error, Instant now);

  /**
   * Moves a task that is not being processed from {@code from} to {@code to} (for example PENDING
   * to CANCELLED), recording {@code error} if present.
   *
   * @throws IllegalTaskTransitionException if the state machine forbids the change
   * @throws TaskConflictException if the task is no longer in {@code from}
   * @throws TaskNotFoundException if there is no such task
   */
  UploadTask transition(
      TaskId id, TaskStatus from, TaskStatus to, Optional<TaskError> error, Instant now);

  /**
   * Tasks that may have lost their message: PENDING since before {@code pendingBefore} (by {@code
   * updatedAt}), or PROCESSING and claimable at {@code now} (no lease, or a lease not after {@code
   * now}: {@link UploadTask#claimVerdict}). At most {@code limit}, oldest {@code updatedAt} first.
   * May lag a change made a moment ago (an eventually consistent index); a reconciler does not
   * mind.
   */
  List<UploadTask> findStale(Instant pendingBefore, Instant now, int limit);

  /**
   * Tasks PROCESSING, whatever their lease: at most {@code limit}, least recently updated first.
   * For releasing the leases of a run known to be dead ({@link Reconciler#releaseLeasesOfDeadRun}).
   * May lag a change made a moment ago (an eventually consistent index).
   */
  List<UploadTask> findProcessing(int limit);
}
