package dev.uplink.api;

import dev.uplink.core.domain.IdempotencyKeyTakenException;
import dev.uplink.core.domain.TaskConflictException;
import dev.uplink.core.domain.TaskQueue;
import dev.uplink.core.domain.TaskSealer;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.TaskStore;
import dev.uplink.core.domain.UploadTask;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Where every upload source hands its task over: records a new task (sealed, under the caller's
 * {@code Idempotency-Key}) and, once the task's bytes are stored, records it PENDING and publishes
 * it for the processor. The streamed upload, the presigned single PUT and the multipart upload
 * (completed by the client, announced by the object store or found by the sweep) all go through
 * here: a new upload source has this one seam.
 *
 * <p>Publishing comes after the PENDING write and never undoes it: a PENDING task whose message did
 * not reach the queue is re-published by the reconciler, so a failed publish delays the file but
 * never loses it.
 */
final class TaskIntake {

  private final TaskStore tasks;
  private final TaskQueue queue;
  private final Clock clock;
  private final Optional<TaskSealer> sealer;
  private final IdempotencyKeys idempotency;

  /**
   * @param sealer seals every task recorded, so the processor can tell it was not rewritten
   */
  TaskIntake(TaskStore tasks, TaskQueue queue, Clock clock, Optional<TaskSealer> sealer) {
    this.tasks = Objects.requireNonNull(tasks, "tasks");
    this.queue = Objects.requireNonNull(queue, "queue");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.sealer = Objects.requireNonNull(sealer, "sealer");
    this.idempotency = new IdempotencyKeys(tasks);
  }

  /**
   * The task the owner created earlier under {@code idempotencyKey}, if any and if {@code
   * sameRequest} holds for it: the answer to a retried request.
   *
   * @throws RequestRejectedException INVALID for a malformed key, IDEMPOTENCY_MISMATCH if the key
   *     named a different request
   * @throws DependencyFailedException if the task store failed
   */
  Optional<UploadTask> replay(
      String owner, Optional<String> idempotencyKey, Predicate<UploadTask> sameRequest) {
    return idempotency.replay(owner, idempotencyKey, sameRequest);
  }

  /**
   * Records {@code task}, sealed and under {@code idempotencyKey}. Should a concurrent request have
   * taken the key first, its task is the answer (compare the ids to tell) and {@code discard} is
   * run, as it is when the write fails: the bytes set aside for {@code task} belong to no task.
   *
   * @param discard removes what was set aside for {@code task} (its object, its multipart upload);
   *     must not throw
   * @throws RequestRejectedException IDEMPOTENCY_MISMATCH if the winner was a different request
   * @throws DependencyFailedException if the task store failed
   */
  UploadTask record(
      UploadTask task,
      Optional<String> idempotencyKey,
      Predicate<UploadTask> sameRequest,
      Runnable discard) {
    UploadTask keyed = idempotencyKey.map(task::withIdempotencyKey).orElse(task);
    UploadTask sealed = sealer.map(s -> s.seal(keyed)).orElse(keyed);
    try {
      tasks.create(sealed);
      return sealed;
    } catch (IdempotencyKeyTakenException e) {
      discard.run();
      return idempotency.winner(e, sameRequest);
    } catch (RuntimeException e) {
      // Should the write have landed despite the error, the worker finds no object and fails the
      // task with OBJECT_MISSING: visible to the owner, never a silent loss.
      discard.run();
      throw new DependencyFailedException("task store", Optional.empty(), e);
    }
  }

  /**
   * Announces a task just recorded PENDING ({@link #record}) to the processor.
   *
   * @throws DependencyFailedException naming the task if the queue failed (it stays PENDING and
   *     will still be processed)
   */
  UploadTask publish(UploadTask pending) {
    try {
      queue.publish(pending);
    } catch (RuntimeException e) {
      throw new DependencyFailedException("task queue", Optional.of(pending.id()), e);
    }
    return pending;
  }

  /**
   * Moves a task whose upload was checked from AWAITING_UPLOAD to PENDING and publishes it. Of
   * concurrent completers only the one whose write wins publishes; the others get the task as it
   * now is.
   *
   * @throws RequestRejectedException NOT_FOUND if the task vanished, WRONG_STATUS if it was
   *     cancelled or failed meanwhile
   * @throws DependencyFailedException if the task store or the queue failed
   */
  UploadTask markPendingAndPublish(UploadTask awaiting) {
    UploadTask pending;
    try {
      pending =
          tasks.transition(
              awaiting.id(),
              TaskStatus.AWAITING_UPLOAD,
              TaskStatus.PENDING,
              Optional.empty(),
              clock.instant().truncatedTo(ChronoUnit.MILLIS));
    } catch (TaskConflictException e) {
      // The other completer won (or the owner cancelled): only the winner publishes.
      UploadTask current = e.current().orElseThrow(RequestRejectedException::notFound);
      if (current.status() == TaskStatus.CANCELLED || current.status() == TaskStatus.FAILED) {
        throw RequestRejectedException.wrongStatus(current, "completed");
      }
      return current;
    } catch (RuntimeException e) {
      throw new DependencyFailedException("task store", Optional.empty(), e);
    }
    return publish(pending);
  }
}
