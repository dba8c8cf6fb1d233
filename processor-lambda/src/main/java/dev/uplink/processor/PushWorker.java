package dev.uplink.processor;

import dev.uplink.core.domain.ObjectMissingException;
import dev.uplink.core.domain.ObjectStore;
import dev.uplink.core.domain.TaskConflictException;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskMessage;
import dev.uplink.core.domain.TaskNotFoundException;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.TaskStore;
import dev.uplink.core.domain.UploadTask;
import java.io.IOException;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Processes one queue message: the single code path behind both the Lambda handler and the
 * long-running poller.
 *
 * <p>Delivery is at least once, so every step is safe to repeat: the task is claimed with a
 * conditional write (PENDING to PROCESSING), a finished task is never pushed twice, and an attempt
 * that may succeed later gives the task back (PROCESSING to PENDING, with the error recorded) so
 * the redelivered message can claim it again.
 */
public final class PushWorker {

  private static final Logger log = LoggerFactory.getLogger(PushWorker.class);
  private static final int LOGGED_BODY_CHARS = 100;

  private final TaskStore tasks;
  private final ObjectStore objects;
  private final FileTarget target;
  private final Clock clock;

  public PushWorker(TaskStore tasks, ObjectStore objects, FileTarget target, Clock clock) {
    this.tasks = Objects.requireNonNull(tasks, "tasks");
    this.objects = Objects.requireNonNull(objects, "objects");
    this.target = Objects.requireNonNull(target, "target");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Handles one message body ({@code {"task_id":"..."}}). Never throws for a problem with the
   * message, the task or the push; the outcome says whether to delete the message.
   */
  public Outcome process(String messageBody) {
    Optional<TaskId> parsed = TaskMessage.parse(messageBody);
    if (parsed.isEmpty()) {
      // Kept: after maxReceiveCount receives the queue moves it to the dead-letter queue, where
      // someone can look at it. Deleting it here would lose it silently.
      log.warn(
          "Poison message (not a task message), left for the dead-letter queue: {}",
          preview(messageBody));
      return Outcome.RETRY;
    }
    TaskId id = parsed.get();
    // No read first: the conditional claim reports an unknown or finished task by itself.
    UploadTask task;
    try {
      task = tasks.claim(id, clock.instant());
    } catch (TaskConflictException e) {
      return afterLostClaim(id, e);
    } catch (TaskNotFoundException e) {
      log.warn("Task {} does not exist; dropping its message", id);
      return Outcome.DROP;
    }

    try {
      return push(task);
    } catch (RuntimeException e) {
      log.error("Task {}: unexpected failure, giving it back for another attempt", id, e);
      release(task, new TaskError(TaskError.INTERNAL, describe(e)));
      return Outcome.RETRY;
    }
  }

  private Outcome push(UploadTask task) {
    TaskId id = task.id();
    ObjectStore.StoredObject object;
    try {
      object = objects.open(task.objectKey());
    } catch (ObjectMissingException e) {
      log.warn("Task {}: its object {} is missing; the task fails", id, task.objectKey());
      finish(task, TaskStatus.FAILED, new TaskError(TaskError.OBJECT_MISSING, e.getMessage()));
      return Outcome.DROP;
    }
    try {
      if (object.size() != task.size()) {
        String message =
            "The stored object %s has %d bytes, but the task was recorded with %d"
                .formatted(task.objectKey(), object.size(), task.size());
        log.error("Task {}: {}", id, message);
        finish(task, TaskStatus.FAILED, new TaskError(TaskError.INTERNAL, message));
        return Outcome.FAILED;
      }
      long started = System.nanoTime();
      target.push(task.destination(), object.content(), object.size());
      long millis = (System.nanoTime() - started) / 1_000_000;
      boolean recorded = finish(task, TaskStatus.DONE, null);
      log.info(
          "Task {}: pushed {} bytes to {}:{} in {} ms (attempt {})",
          id,
          task.size(),
          task.destination().instance(),
          task.destination().path(),
          millis,
          task.attempts());
      return recorded ? Outcome.DONE : Outcome.DROP;
    } catch (PushException e) {
      if (e.permanent()) {
        log.warn("Task {}: push failed permanently: {}", id, e.toTaskError());
        finish(task, TaskStatus.FAILED, e.toTaskError());
        return Outcome.FAILED;
      }
      log.warn("Task {}: push failed, will retry: {}", id, e.toTaskError());
      release(task, e.toTaskError());
      return Outcome.RETRY;
    } finally {
      try {
        object.close();
      } catch (IOException e) {
        log.debug("Task {}: closing the object stream failed", id, e);
      }
    }
  }

  /** The claim was refused: decide from the task's current status. */
  private Outcome afterLostClaim(TaskId id, TaskConflictException e) {
    Optional<UploadTask> current = e.current().or(() -> tasks.find(id));
    if (current.isEmpty()) {
      log.warn("Task {} vanished during the claim; dropping its message", id);
      return Outcome.DROP;
    }
    TaskStatus status = current.get().status();
    if (status.isTerminal()) {
      log.info("Task {} is already {}; not pushing again", id, status);
      return Outcome.DROP;
    }
    // PROCESSING: another worker holds it (a redelivery while the first push still runs), or a
    // worker died holding it. Keep the message; it comes back after the visibility timeout.
    log.info("Task {} is {} elsewhere; leaving the message for a later attempt", id, status);
    return Outcome.RETRY;
  }

  /**
   * PROCESSING to {@code to}. Returns false when the task was no longer ours (someone else moved
   * it); the outcome we report then changes nothing for the task.
   */
  private boolean finish(UploadTask task, TaskStatus to, TaskError error) {
    try {
      tasks.transition(
          task.id(), TaskStatus.PROCESSING, to, Optional.ofNullable(error), clock.instant());
      return true;
    } catch (TaskConflictException e) {
      log.warn(
          "Task {} was changed by someone else before it could become {}: {}",
          task.id(),
          to,
          e.getMessage());
      return false;
    }
  }

  /** Gives the task back (PROCESSING to PENDING) with the error, so a redelivery can claim it. */
  private void release(UploadTask task, TaskError error) {
    try {
      tasks.transition(
          task.id(),
          TaskStatus.PROCESSING,
          TaskStatus.PENDING,
          Optional.of(error),
          clock.instant());
    } catch (RuntimeException e) {
      // The task stays PROCESSING; its redeliveries will see it "held elsewhere" until a lease
      // mechanism (later) frees it or the message reaches the dead-letter queue.
      log.error("Task {}: could not give it back to PENDING", task.id(), e);
    }
  }

  private static String describe(RuntimeException e) {
    return e.getMessage() == null
        ? e.getClass().getName()
        : e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  static String preview(String body) {
    if (body == null) {
      return "<null>";
    }
    String flat = body.replaceAll("\\p{Cntrl}", " ");
    return flat.length() <= LOGGED_BODY_CHARS
        ? "'" + flat + "'"
        : "'" + flat.substring(0, LOGGED_BODY_CHARS) + "...' (" + body.length() + " chars)";
  }
}
