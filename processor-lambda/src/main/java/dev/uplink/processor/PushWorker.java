package dev.uplink.processor;

import dev.uplink.core.domain.ObjectStore;
import dev.uplink.core.domain.TaskConflictException;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskNotFoundException;
import dev.uplink.core.domain.TaskStore;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.json.TaskMessage;
import dev.uplink.core.logging.TaskLogContext;
import dev.uplink.processor.FailureClassifier.Failure;
import java.io.IOException;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Processes one queue message: the single code path behind both the Lambda handler and the
 * long-running poller. It never throws; the {@link Outcome} tells the consumer what to do with the
 * message.
 *
 * <p>Delivery is at least once, so idempotency is keyed on the task, never on the message:
 *
 * <ol>
 *   <li>The task is <b>claimed</b> in one conditional write (PENDING, or PROCESSING under an
 *       expired lease, to PROCESSING with one more attempt and a lease of one visibility timeout).
 *       Under a live lease the message is {@link Outcome.Kind#PUT_BACK put back} until the lease
 *       runs out; a finished task's message is {@link Outcome.Kind#DROP dropped}, with no second
 *       push.
 *   <li>While the push runs, a {@link Heartbeat} every half visibility timeout extends the lease
 *       (fenced by the claim's attempt number) and the message's visibility. A refused extension
 *       means another worker owns the task now: the push is aborted. Every {@link
 *       WorkerSettings#progressInterval} a {@link ProgressReporter} records the bytes pushed so far
 *       (best effort: a refused write never stops the push).
 *   <li>Before the file becomes visible the bytes are <b>verified</b>: the target calls back after
 *       the last byte and before its atomic rename, and the SHA-256 of what was streamed must match
 *       the one recorded at upload. A mismatch fails the task ({@code INTEGRITY_MISMATCH}) with the
 *       destination untouched.
 *   <li>The outcome follows {@link FailureClassifier}: permanent failures end the task FAILED after
 *       this one attempt; transient ones give it back (PENDING, error recorded) and the message
 *       comes back after an exponential backoff with full jitter; on the last allowed receive the
 *       task becomes FAILED {@code RETRIES_EXHAUSTED} and the message is left for the dead-letter
 *       queue.
 *   <li>An aborted attempt (poller shutdown, Lambda deadline) gives the task back without recording
 *       an error, and the message becomes visible again at once.
 * </ol>
 *
 * <p>Between the claim and the push, the {@link TaskGuard} checks the claimed task: a seal that
 * does not verify ({@code TASK_TAMPERED}) or a destination outside the deployment's allow-list
 * ({@code DESTINATION_NOT_ALLOWED}) fails it for good, logged as a security event, before its
 * object is opened or the target is asked anything.
 *
 * <p>Two parts live in their own classes: {@link UnreachableHosts} (probes, holds, confirming an
 * outage) and {@link AttemptConclusions} (how an attempt ends: what is recorded on the task and
 * what becomes of its message).
 */
public final class PushWorker implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(PushWorker.class);
  private static final int CLAIM_ROUNDS = 3;
  private static final Duration PUT_BACK_MARGIN = Duration.ofSeconds(1);

  private final TaskStore tasks;
  private final ObjectStore objects;
  private final FileTarget target;
  private final Clock clock;
  private final WorkerSettings settings;
  private final RetryPolicy retry;
  private final RandomGenerator random;
  private final HostLimiter hosts;
  private final ScheduledExecutorService scheduler;
  private final PushMetrics metrics;
  private final TaskGuard guard;
  private final HostCircuits circuits;
  private final UnreachableHosts unreachable;
  private final AttemptConclusions conclusions;

  /**
   * @param settings the queue's visibility, the {@link RetryPolicy} and the processing rules
   * @param random draws the backoffs' jitter
   * @param metrics where the outcomes are counted
   * @param guard what a claimed task must pass before anything is pushed (its seal, the
   *     deployment's allow-list)
   */
  public PushWorker(
      TaskStore tasks,
      ObjectStore objects,
      FileTarget target,
      Clock clock,
      WorkerSettings settings,
      RandomGenerator random,
      PushMetrics metrics,
      TaskGuard guard) {
    this.guard = Objects.requireNonNull(guard, "guard");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.tasks = Objects.requireNonNull(tasks, "tasks");
    this.objects = Objects.requireNonNull(objects, "objects");
    this.target = Objects.requireNonNull(target, "target");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.retry = settings.retry();
    this.random = Objects.requireNonNull(random, "random");
    this.hosts = new HostLimiter(settings.perHostWorkers());
    this.circuits =
        new HostCircuits(settings.circuitOpenAfter(), settings.retry().circuitMaxHold(), clock);
    this.unreachable = new UnreachableHosts(tasks, target, circuits, clock, settings);
    this.conclusions =
        new AttemptConclusions(
            tasks, objects, target, clock, settings, random, metrics, circuits, unreachable);
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofVirtual().name("uplink-worker-timer").factory());
  }

  public WorkerSettings settings() {
    return settings;
  }

  /** Where this worker counts its outcomes. */
  public PushMetrics metrics() {
    return metrics;
  }

  /** The circuit breaker of each target host (the poller probes open ones on a timer). */
  public HostCircuits circuits() {
    return circuits;
  }

  /**
   * Probes every host whose circuit is open and due a probe ({@link FileTarget#checkReady}); an
   * answer closes its circuit. For a timer: the poller calls it every second.
   */
  public void probeOpenCircuits() {
    unreachable.probeOpenCircuits();
  }

  /** The start of a message body, for logs. */
  static String preview(String body) {
    return AttemptConclusions.preview(body);
  }

  /** The clock deadlines passed to {@link #process} are measured on. */
  public Clock clock() {
    return clock;
  }

  /** Processes {@code delivery} without a queue to heartbeat, an abort signal or a deadline. */
  public Outcome process(Delivery delivery) {
    return process(delivery, MessageVisibility.NONE, new AbortSignal(), Optional.empty());
  }

  /**
   * Processes one delivered message. Never throws.
   *
   * @param visibility changes the message's visibility (the heartbeat uses it)
   * @param abort lets the consumer stop the attempt (shutdown)
   * @param deadline when set, the attempt is aborted at this instant (Lambda's remaining time) and
   *     the task given back for another attempt
   */
  public Outcome process(
      Delivery delivery,
      MessageVisibility visibility,
      AbortSignal abort,
      Optional<Instant> deadline) {
    Objects.requireNonNull(delivery, "delivery");
    Objects.requireNonNull(visibility, "visibility");
    Objects.requireNonNull(abort, "abort");
    Objects.requireNonNull(deadline, "deadline");
    try {
      return handle(delivery, visibility, abort, deadline);
    } catch (RuntimeException e) {
      log.error("Message {}: unexpected failure; it will come back", delivery.messageId(), e);
      return Outcome.retryAfter(retry.backoff(delivery.receiveCount(), random));
    }
  }

  private Outcome handle(
      Delivery delivery,
      MessageVisibility visibility,
      AbortSignal abort,
      Optional<Instant> deadline) {
    Optional<TaskId> parsed = TaskMessage.parse(delivery.body());
    if (parsed.isEmpty()) {
      return conclusions.poison(delivery);
    }
    TaskId id = parsed.get();
    try (var logContext = TaskLogContext.of(id)) {
      return handle(id, delivery, visibility, abort, deadline);
    }
  }

  /** Every log line from here on carries the task's fields (the MDC of {@link TaskLogContext}). */
  private Outcome handle(
      TaskId id,
      Delivery delivery,
      MessageVisibility visibility,
      AbortSignal abort,
      Optional<Instant> deadline) {
    if (abort.isAborted() || deadline.filter(d -> !clock.instant().isBefore(d)).isPresent()) {
      log.info("Message {} (task {}): not started, stopping", delivery.messageId(), id);
      return Outcome.retryAfter(Duration.ZERO);
    }
    Optional<Outcome> held = unreachable.holdFor(id, delivery);
    if (held.isPresent()) {
      return held.get();
    }
    Claim claim = claim(id, delivery);
    if (claim.outcome() != null) {
      return claim.outcome();
    }
    UploadTask task = claim.task();
    TaskLogContext.describe(task);
    Optional<TaskError> refusal = guard.refusal(task);
    if (refusal.isPresent()) {
      return conclusions.refused(task, delivery, refusal.get());
    }
    int attempt = task.attempts();
    Throwable failure = null;
    Heartbeat heartbeat =
        Heartbeat.start(
            scheduler,
            settings.visibilityTimeout().dividedBy(2),
            TaskLogContext.carrying(() -> beat(task, attempt, visibility, abort)));
    ScheduledFuture<?> deadlineTimer =
        deadline
            .map(
                d ->
                    scheduler.schedule(
                        () -> abort.abort(AbortSignal.Reason.DEADLINE),
                        Math.max(0, Duration.between(clock.instant(), d).toNanos()),
                        TimeUnit.NANOSECONDS))
            .orElse(null);
    long started = System.nanoTime();
    try {
      pushAndVerify(task, abort);
    } catch (PushException | RuntimeException e) {
      failure = e;
    } finally {
      heartbeat.close();
      if (deadlineTimer != null) {
        deadlineTimer.cancel(false);
      }
    }
    long millis = (System.nanoTime() - started) / 1_000_000;
    if (failure == null) {
      return conclusions.succeeded(task, delivery, millis);
    }
    Optional<AbortSignal.Reason> aborted = abort.reason();
    if (aborted.isPresent()) {
      return conclusions.abandoned(task, delivery, aborted.get());
    }
    return conclusions.failed(task, delivery, failure, retry.classify(failure));
  }

  // --- claim ------------------------------------------------------------------------------------

  /** Either the claimed task or the outcome that replaces processing. */
  private record Claim(UploadTask task, Outcome outcome) {}

  private Claim claim(TaskId id, Delivery delivery) {
    for (int round = 0; round < CLAIM_ROUNDS; round++) {
      try {
        return new Claim(tasks.claim(id, clock.instant(), settings.visibilityTimeout()), null);
      } catch (TaskNotFoundException e) {
        // Permanent: there is nothing to mark FAILED, so only the message goes.
        log.warn("Message {}: task {} does not exist; dropping it", delivery.messageId(), id);
        return new Claim(null, Outcome.DROP);
      } catch (TaskConflictException e) {
        Optional<UploadTask> current = e.current().or(() -> tasks.find(id));
        if (current.isEmpty()) {
          log.warn("Message {}: task {} vanished; dropping it", delivery.messageId(), id);
          return new Claim(null, Outcome.DROP);
        }
        UploadTask now = current.get();
        switch (now.claimVerdict(clock.instant())) {
          case FINISHED:
            TaskLogContext.outcome("dropped");
            log.info("Task {} is already {}; message dropped, no push", id, now.status());
            return new Claim(null, Outcome.DROP);
          case LEASED:
            Duration left = remainingLease(now);
            TaskLogContext.outcome("put-back");
            log.info(
                "Task {} is leased by another worker (attempt {}); message back in {}",
                id,
                now.attempts(),
                left);
            return new Claim(null, Outcome.putBack(left));
          case CLAIMABLE:
          default:
            log.debug("Task {}: claim raced, trying again", id);
        }
      } catch (RuntimeException e) {
        Failure failure = retry.classify(e);
        Duration backoff = retry.backoff(delivery.receiveCount(), random);
        TaskLogContext.outcome("retry");
        log.warn(
            "Task {}: the claim failed ({}); message back in {}", id, failure.error(), backoff);
        return new Claim(null, Outcome.retryAfter(backoff));
      }
    }
    return new Claim(null, Outcome.putBack(PUT_BACK_MARGIN));
  }

  private Duration remainingLease(UploadTask task) {
    Duration left =
        task.leaseUntil()
            .map(until -> Duration.between(clock.instant(), until))
            .filter(d -> !d.isNegative())
            .orElse(Duration.ZERO)
            .plus(PUT_BACK_MARGIN);
    return left.compareTo(RetryPolicy.MAX_VISIBILITY) > 0 ? RetryPolicy.MAX_VISIBILITY : left;
  }

  // --- heartbeat --------------------------------------------------------------------------------

  private void beat(UploadTask task, int attempt, MessageVisibility visibility, AbortSignal abort) {
    Instant until = clock.instant().plus(settings.visibilityTimeout());
    try {
      tasks.extendLease(task.id(), attempt, until);
    } catch (TaskConflictException e) {
      log.warn(
          "Task {}: the lease of attempt {} was lost ({}); aborting the push",
          task.id(),
          attempt,
          e.getMessage());
      abort.abort(AbortSignal.Reason.LEASE_LOST);
      return;
    } catch (RuntimeException e) {
      log.warn(
          "Task {}: extending the lease failed, trying at the next beat: {}",
          task.id(),
          e.toString());
    }
    visibility.change(settings.visibilityTimeout());
    log.debug("Task {}: heartbeat, lease and message extended to {}", task.id(), until);
  }

  // --- push -------------------------------------------------------------------------------------

  private void pushAndVerify(UploadTask task, AbortSignal abort) throws PushException {
    ObjectStore.StoredObject object = objects.open(task.objectKey());
    try {
      if (object.size() != task.size()) {
        throw new IntegrityMismatchException(
            "The stored object %s has %d bytes, but the upload recorded %d"
                .formatted(task.objectKey(), object.size(), task.size()));
      }
      MessageDigest sha256 = sha256();
      var request =
          new PushRequest(
              task.destination(),
              new DigestInputStream(object.content(), sha256),
              task.size(),
              new StagingName(task.id().value(), task.attempts()),
              () -> verifyDigest(task, sha256));
      String host = target.host(task.destination());
      boolean slot = false;
      abort.enterPush();
      try {
        hosts.acquire(host);
        slot = true;
        // Closed as soon as the push returns: no progress write may race the finish that follows.
        try (var progress =
            ProgressReporter.start(
                scheduler,
                settings.progressInterval(),
                tasks,
                task.id(),
                task.attempts(),
                request.content()::count)) {
          target.push(request);
        }
      } catch (InterruptedException e) {
        throw new TargetUnavailableException("Interrupted while waiting to push to " + host, e);
      } finally {
        if (slot) {
          hosts.release(host);
        }
        abort.exitPush();
      }
    } finally {
      try {
        object.close();
      } catch (IOException | RuntimeException e) {
        log.debug("Task {}: closing the object stream failed", task.id(), e);
      }
    }
  }

  /**
   * Runs in {@link PushRequest#verifyBeforeRename}, once the target read exactly the task's size:
   * what it read must be the file the upload recorded, byte for byte.
   */
  private static void verifyDigest(UploadTask task, MessageDigest sha256)
      throws IntegrityMismatchException {
    String digest = HexFormat.of().formatHex(sha256.digest());
    if (!digest.equalsIgnoreCase(task.sha256())) {
      throw new IntegrityMismatchException(
          "The bytes read have SHA-256 %s, but the upload recorded %s; nothing was replaced"
              .formatted(digest, task.sha256()));
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides SHA-256", e);
    }
  }

  /** Stops the heartbeat and progress timer. */
  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
