package dev.uplink.processor;

import dev.uplink.core.domain.ObjectStore;
import dev.uplink.core.domain.TaskConflictException;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.TaskStore;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.logging.TaskLogContext;
import dev.uplink.processor.FailureClassifier.Failure;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends an attempt: records the task's new state (fenced by the claim's attempt) and says what
 * becomes of its message, as the {@link RetryPolicy} decides: DONE, FAILED (permanent, or out of
 * retries), given back with a backoff, or held while its host is unreachable. Counts each outcome
 * in the {@link PushMetrics} once it is recorded.
 */
final class AttemptConclusions {

  /** Logged as the worker's: operators (and the chaos tests) read these lines by that name. */
  private static final Logger log = LoggerFactory.getLogger(PushWorker.class);

  private static final int LOGGED_BODY_CHARS = 100;

  private final TaskStore tasks;
  private final ObjectStore objects;
  private final FileTarget target;
  private final Clock clock;
  private final WorkerSettings settings;
  private final RetryPolicy retry;
  private final RandomGenerator random;
  private final PushMetrics metrics;
  private final HostCircuits circuits;
  private final UnreachableHosts unreachable;

  AttemptConclusions(
      TaskStore tasks,
      ObjectStore objects,
      FileTarget target,
      Clock clock,
      WorkerSettings settings,
      RandomGenerator random,
      PushMetrics metrics,
      HostCircuits circuits,
      UnreachableHosts unreachable) {
    this.tasks = tasks;
    this.objects = objects;
    this.target = target;
    this.clock = clock;
    this.settings = settings;
    this.retry = settings.retry();
    this.random = random;
    this.metrics = metrics;
    this.circuits = circuits;
    this.unreachable = unreachable;
  }

  Outcome succeeded(UploadTask task, Delivery delivery, long millis) {
    circuits.succeeded(target.host(task.destination()));
    Optional<Outcome> lost = finish(task, TaskStatus.DONE, Optional.empty(), delivery);
    if (lost.isPresent()) {
      return lost.get();
    }
    metrics.done(task, Duration.ofMillis(millis), clock.instant());
    TaskLogContext.outcome("done");
    log.info(
        "Task {}: pushed and verified {} bytes to {}:{} in {} ms (attempt {}, receive {})",
        task.id(),
        task.size(),
        task.destination().instance(),
        task.destination().path(),
        millis,
        task.attempts(),
        delivery.receiveCount());
    if (!settings.keepObjects()) {
      try {
        objects.delete(task.objectKey());
      } catch (RuntimeException e) {
        log.warn(
            "Task {}: deleting its object {} failed (the bucket's lifecycle rule expires it): {}",
            task.id(),
            task.objectKey(),
            e.toString());
      }
    }
    return Outcome.DONE;
  }

  Outcome abandoned(UploadTask task, Delivery delivery, AbortSignal.Reason reason) {
    TaskLogContext.outcome("aborted");
    if (reason == AbortSignal.Reason.LEASE_LOST) {
      log.warn("Task {}: push aborted, another worker owns it now", task.id());
      return Outcome.putBack(settings.visibilityTimeout());
    }
    log.info("Task {}: push aborted ({}); giving the task back", task.id(), reason);
    Optional<Outcome> lost = finish(task, TaskStatus.PENDING, Optional.empty(), delivery);
    return lost.orElse(Outcome.retryAfter(Duration.ZERO));
  }

  /** A task the guard refused (tampered with, or not allowed here): FAILED, nothing pushed. */
  Outcome refused(UploadTask task, Delivery delivery, TaskError error) {
    TaskLogContext.outcome("failed");
    log.warn("Task {}: refused before any push: {}", task.id(), error);
    return counted(
        finish(task, TaskStatus.FAILED, Optional.of(error), delivery),
        () -> metrics.failed(task, error.code()),
        Outcome.FAILED);
  }

  Outcome failed(UploadTask task, Delivery delivery, Throwable cause, Failure failure) {
    TaskError error = failure.error();
    String host = target.host(task.destination());
    boolean hostDown = cause instanceof TargetUnavailableException;
    if (answeredByTheHost(cause)) {
      circuits.succeeded(host);
    }
    if (failure.permanent()) {
      TaskLogContext.outcome("failed");
      log.warn("Task {}: failed permanently after one attempt: {}", task.id(), error);
      return counted(
          finish(task, TaskStatus.FAILED, Optional.of(error), delivery),
          () -> metrics.failed(task, error.code()),
          Outcome.FAILED);
    }
    boolean lastReceive = retry.isLastReceive(delivery.receiveCount());
    if (hostDown) {
      return hostUnreachable(task, delivery, host, error, lastReceive);
    }
    int failures = RetryBudget.failuresOf(task) + 1;
    if (failures >= retry.maxReceiveCount()) {
      TaskError exhausted = new TaskError(TaskError.RETRIES_EXHAUSTED, error.toString());
      TaskLogContext.outcome("failed");
      log.warn(
          "Task {}: failed {} times on its own (of {} allowed): {}{}",
          task.id(),
          failures,
          retry.maxReceiveCount(),
          error,
          lastReceive ? "; left for the dead-letter queue" : "");
      return counted(
          finish(task, TaskStatus.FAILED, Optional.of(exhausted), delivery),
          () -> metrics.failed(task, exhausted.code()),
          lastReceive ? Outcome.deadLetter(Duration.ZERO) : Outcome.FAILED);
    }
    if (lastReceive) {
      // The queue's receives went on waiting (an outage, shutdowns), not on this task's failures.
      TaskLogContext.outcome("retry");
      log.warn(
          "Task {}: attempt {} failed ({} of its {} failures used) on the message's last allowed"
              + " receive; the task stays PENDING and the reconciler re-publishes it: {}",
          task.id(),
          task.attempts(),
          failures,
          retry.maxReceiveCount(),
          error);
      return counted(
          finish(task, TaskStatus.PENDING, Optional.of(error), delivery),
          () -> metrics.retried(task, error.code()),
          Outcome.RELEASE);
    }
    Duration backoff = retry.backoff(failures, random);
    TaskLogContext.outcome("retry");
    log.warn(
        "Task {}: attempt {} failed, retrying in {}: {}",
        task.id(),
        task.attempts(),
        backoff,
        error);
    return counted(
        finish(task, TaskStatus.PENDING, Optional.of(error), delivery),
        () -> metrics.retried(task, error.code()),
        Outcome.retryAfter(backoff));
  }

  /**
   * The push could not reach {@code host}: no retry of the task's is used. Its message waits for
   * the host: a short backoff while the host's circuit is closed, a {@link RetryPolicy#hold} once
   * it is open. Only when the queue allows no more receives does the task fail, with the host's
   * error ({@code INCUS_UNAVAILABLE}), not {@code RETRIES_EXHAUSTED}: the outage outlasted what the
   * queue's receives and holds cover ({@link RetryPolicy#survivableOutage}).
   */
  private Outcome hostUnreachable(
      UploadTask task, Delivery delivery, String host, TaskError error, boolean lastReceive) {
    if (lastReceive) {
      circuits.failed(host, error.message());
      TaskError outlasted =
          new TaskError(
              error.code(),
              error.message()
                  + "; still unreachable on the last receive the queue allows (%d), so the task"
                      .formatted(retry.maxReceiveCount())
                  + " failed: retry it once the host answers");
      TaskLogContext.outcome("failed");
      log.warn(
          "Task {}: Incus host {} still unreachable on the last allowed receive ({} of {}); left"
              + " for the dead-letter queue: {}",
          task.id(),
          host,
          delivery.receiveCount(),
          retry.maxReceiveCount(),
          error);
      return counted(
          finish(task, TaskStatus.FAILED, Optional.of(outlasted), delivery),
          () -> metrics.failed(task, outlasted.code()),
          Outcome.deadLetter(Duration.ZERO));
    }
    // Given back first: confirming the outage takes a moment, and the claim's lease is no longer
    // extended (nor needed: nothing more is done under it).
    Optional<Outcome> lost = finish(task, TaskStatus.PENDING, Optional.of(error), delivery);
    if (lost.isPresent()) {
      return lost.get();
    }
    metrics.retried(task, error.code());
    unreachable.failed(host, error.message());
    boolean open = circuits.isOpen(host);
    Duration wait =
        open ? retry.hold(delivery.receiveCount()) : retry.backoff(delivery.receiveCount(), random);
    TaskLogContext.outcome(open ? "parked" : "retry");
    log.warn(
        "Task {}: attempt {} could not reach Incus host {}{}; message back in {} (not counted"
            + " against the task): {}",
        task.id(),
        task.attempts(),
        host,
        open ? " (circuit open)" : "",
        wait,
        error);
    return open ? Outcome.parked(wait) : Outcome.retryAfter(wait);
  }

  /** Whether the host answered, if only to refuse: the failure is the task's, not the host's. */
  private static boolean answeredByTheHost(Throwable cause) {
    return cause instanceof PushException
        && !(cause instanceof TargetUnavailableException)
        && !(cause instanceof SourceReadException);
  }

  /** {@code outcome}, counted, if the finish was recorded; else what replaces it, not counted. */
  private static Outcome counted(Optional<Outcome> lost, Runnable count, Outcome outcome) {
    if (lost.isPresent()) {
      return lost.get();
    }
    count.run();
    return outcome;
  }

  /**
   * Ends the claim (fenced by its attempt). Empty when done; otherwise the outcome that replaces
   * the caller's: the lease was lost (another worker owns the task; the message is put back), or
   * the store kept failing (the task stays PROCESSING until its lease runs out; the message comes
   * back after a backoff, sees the expired lease and claims again).
   */
  Optional<Outcome> finish(
      UploadTask task, TaskStatus to, Optional<TaskError> error, Delivery delivery) {
    RuntimeException last = null;
    for (int attempt = 1; attempt <= RetryPolicy.RECORD_TRIES; attempt++) {
      try {
        tasks.finish(task.id(), task.attempts(), to, error, clock.instant());
        return Optional.empty();
      } catch (TaskConflictException e) {
        log.warn(
            "Task {}: could not become {}, attempt {} no longer holds it: {}",
            task.id(),
            to,
            task.attempts(),
            e.getMessage());
        return Optional.of(Outcome.putBack(settings.visibilityTimeout()));
      } catch (RuntimeException e) {
        last = e;
        if (retry.classify(e).permanent()) {
          break;
        }
        sleep(retry.recordPause(attempt));
      }
    }
    log.error("Task {}: recording {} failed; the message comes back", task.id(), to, last);
    return Optional.of(Outcome.retryAfter(retry.backoff(delivery.receiveCount(), random)));
  }

  Outcome poison(Delivery delivery) {
    if (delivery.receiveCount() > retry.maxReceiveCount()) {
      // The queue should have dead-lettered it by now: no redrive policy, or another
      // maxReceiveCount than ours. Never spin on it.
      log.error(
          "Poison message {} received {} times (maxReceiveCount {}): does the queue have a redrive"
              + " policy? Hiding it for {}: {}",
          delivery.messageId(),
          delivery.receiveCount(),
          retry.maxReceiveCount(),
          retry.maxBackoff(),
          preview(delivery.body()));
      return Outcome.deadLetter(retry.maxBackoff());
    }
    log.warn(
        "Poison message {} (not a task message, receive {} of {}), left for the dead-letter"
            + " queue: {}",
        delivery.messageId(),
        delivery.receiveCount(),
        retry.maxReceiveCount(),
        preview(delivery.body()));
    return Outcome.deadLetter(Duration.ZERO);
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
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
