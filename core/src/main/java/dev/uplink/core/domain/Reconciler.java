package dev.uplink.core.domain;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds tasks that may have lost their queue message and publishes their ids again.
 *
 * <p>A task is recorded before its id is sent; if the API dies between the two, or the queue loses
 * its messages (the local stack's in-memory SQS on restart), the task would wait forever. A worker
 * that dies mid-push leaves its task PROCESSING under a lease nobody extends. {@link #runOnce} asks
 * the store for tasks PENDING since before {@code now - reconcileAfter} and PROCESSING under an
 * expired lease ({@link TaskStore#findStale}) and re-publishes each id. A duplicate message it may
 * cause is harmless: the claim rule ({@link UploadTask#claimVerdict}) lets only one worker push.
 *
 * <p>Pure: it knows only the ports, and runs wherever a scheduler calls it (a scheduled Lambda, a
 * timer in the poller). Thread-safe; runs do not overlap in effect, but nothing stops two
 * reconcilers running at once, which only makes more harmless duplicates.
 */
public final class Reconciler {

  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

  private final TaskStore tasks;
  private final TaskQueue queue;
  private final Clock clock;
  private final Duration reconcileAfter;
  private final int batchLimit;

  /**
   * @param reconcileAfter a task PENDING for longer than this (by its {@code updatedAt}) is
   *     re-published; choose it longer than a message normally waits in the queue, including retry
   *     backoff, or tasks in a healthy backlog get duplicate messages
   * @param batchLimit at most this many tasks re-published per run, oldest first
   */
  public Reconciler(
      TaskStore tasks, TaskQueue queue, Clock clock, Duration reconcileAfter, int batchLimit) {
    this.tasks = Objects.requireNonNull(tasks, "tasks");
    this.queue = Objects.requireNonNull(queue, "queue");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.reconcileAfter = Objects.requireNonNull(reconcileAfter, "reconcileAfter");
    if (reconcileAfter.isNegative()) {
      throw new IllegalArgumentException("reconcileAfter must not be negative: " + reconcileAfter);
    }
    if (batchLimit < 1) {
      throw new IllegalArgumentException("batchLimit must be at least 1, got " + batchLimit);
    }
    this.batchLimit = batchLimit;
  }

  /**
   * One pass: re-publishes every stale task found (at most {@code batchLimit}).
   *
   * <p>A publish that fails is logged and skipped (the next run finds the task again); if every
   * publish of a non-empty pass fails, the first failure is thrown, so a scheduler sees the queue
   * is unreachable. Store failures propagate.
   *
   * @return how many ids were re-published
   */
  public int runOnce() {
    long started = System.nanoTime();
    Instant now = clock.instant();
    List<UploadTask> stale = tasks.findStale(now.minus(reconcileAfter), now, batchLimit);
    int published = 0;
    int pending = 0;
    RuntimeException firstFailure = null;
    for (UploadTask task : stale) {
      if (task.status() == TaskStatus.PENDING) {
        pending++;
      }
      try {
        queue.publish(task);
        published++;
      } catch (RuntimeException e) {
        log.warn("Reconciler could not re-publish task {}: {}", task.id(), e.toString());
        if (firstFailure == null) {
          firstFailure = e;
        } else {
          firstFailure.addSuppressed(e);
        }
      }
    }
    long millis = (System.nanoTime() - started) / 1_000_000;
    if (stale.isEmpty()) {
      log.debug("Reconciler found no stale tasks in {} ms", millis);
    } else {
      log.info(
          "Reconciler re-published {} of {} stale tasks ({} pending, {} under an expired lease;"
              + " limit {}) in {} ms",
          published,
          stale.size(),
          pending,
          stale.size() - pending,
          batchLimit,
          millis);
    }
    if (published == 0 && firstFailure != null) {
      throw firstFailure;
    }
    return published;
  }

  /**
   * After a restart of the <em>only</em> processor of the task table, before it takes any work:
   * every lease in the table was held by the dead run, so each PROCESSING task goes back to PENDING
   * now ({@link TaskError#INTERRUPTED}, fenced by its attempt) instead of waiting for its lease to
   * run out. {@link #runOnce} then re-publishes it with the rest.
   *
   * <p>Only where no other processor can be running: the local stack, which holds a lock on its
   * data directory. Anywhere else a live worker's task would be taken from it.
   *
   * @param longestLease no lease of the dead run ends later than now plus this (the visibility
   *     timeout: a lease is that long, renewed from the moment of each heartbeat)
   * @return how many tasks were released
   */
  public int releaseLeasesOfDeadRun(Duration longestLease) {
    Instant now = clock.instant();
    Instant latestLeaseOfDeadRun = now.plus(longestLease);
    int released = 0;
    int releasedInPass;
    List<UploadTask> leased;
    do {
      leased = tasks.findProcessing(batchLimit);
      releasedInPass = 0;
      for (UploadTask task : leased) {
        if (heldByDeadRun(task, latestLeaseOfDeadRun) && release(task, now)) {
          releasedInPass++;
        }
      }
      released += releasedInPass;
    } while (leased.size() == batchLimit && releasedInPass > 0);
    if (released > 0) {
      log.info("Released {} task(s) leased by the previous run", released);
    }
    return released;
  }

  /**
   * Whether {@code task} is PROCESSING (the index may lag) under no lease or one that ends by
   * {@code latestLease}: a longer one was not taken by the dead run.
   */
  private static boolean heldByDeadRun(UploadTask task, Instant latestLease) {
    return task.status() == TaskStatus.PROCESSING
        && task.leaseUntil().map(until -> !until.isAfter(latestLease)).orElse(true);
  }

  private boolean release(UploadTask task, Instant now) {
    try {
      tasks.finish(
          task.id(),
          task.attempts(),
          TaskStatus.PENDING,
          Optional.of(
              new TaskError(
                  TaskError.INTERRUPTED,
                  "Attempt %d was cut short: the process stopped during it (killed or crashed);"
                          .formatted(task.attempts())
                      + " released when it started again")),
          now);
      return true;
    } catch (TaskConflictException e) {
      log.debug("Task {} moved on before its release: {}", task.id(), e.toString());
      return false;
    }
  }
}
