package dev.uplink.core.operations;

import dev.uplink.core.domain.TaskConflictException;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskNotFoundException;
import dev.uplink.core.domain.TaskQueue;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.TaskStore;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.json.TaskMessage;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What operators do: list and show the dead-letter queue, send its messages back to the work queue
 * (redrive), purge it, and retry FAILED tasks. Pure: it knows only the ports, so the HTTP API and
 * the command line run the same code ({@code dev.uplink.core.aws.OperatorServices} builds it on
 * AWS).
 *
 * <p>A redrive resets FAILED tasks to PENDING <em>before</em> their messages go back, by a
 * server-side move or one by one; {@link Redrive} says what it does with each message and why a
 * crash at any step loses nothing.
 *
 * <p>Not thread-confined; concurrent operators are safe (conditional task writes, held messages),
 * though each sees only the messages the other does not hold at that moment.
 */
public final class OperatorService {

  private static final Logger log = LoggerFactory.getLogger(OperatorService.class);

  /** The most messages one listing returns. */
  public static final int MAX_LIST = 1000;

  /** The most messages one redrive, purge or show reads from the dead-letter queue. */
  public static final int MAX_SCAN = 10_000;

  /** How long a look (list, show) holds messages; it releases them as soon as it is done. */
  static final Duration LOOK_HOLD = Duration.ofSeconds(30);

  /** How long a redrive or purge holds messages at first; a slow, rate-limited one extends it. */
  static final Duration WORK_HOLD = Duration.ofMinutes(5);

  /** Waits between two messages of a rate-limited redrive. */
  @FunctionalInterface
  public interface Pacer {
    void pause(Duration duration) throws InterruptedException;
  }

  private final TaskStore tasks;
  private final TaskQueue queue;
  private final DeadLetterQueue deadLetters;
  private final Clock clock;
  private final Pacer pacer;

  public OperatorService(
      TaskStore tasks, TaskQueue queue, DeadLetterQueue deadLetters, Clock clock) {
    this(tasks, queue, deadLetters, clock, Thread::sleep);
  }

  /**
   * @param pacer waits between messages of a rate-limited redrive ({@link Thread#sleep} in
   *     production)
   */
  public OperatorService(
      TaskStore tasks, TaskQueue queue, DeadLetterQueue deadLetters, Clock clock, Pacer pacer) {
    this.tasks = Objects.requireNonNull(tasks, "tasks");
    this.queue = Objects.requireNonNull(queue, "queue");
    this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.pacer = Objects.requireNonNull(pacer, "pacer");
  }

  // --- reading ---------------------------------------------------------------------------------

  /**
   * The dead-letter queue's messages (oldest first, at most {@code limit}) with their tasks, and
   * both queues' depths. Every message is received with a short hold and released before this
   * returns, so nothing is lost; each look counts as a receive in a message's {@code receiveCount}.
   *
   * @throws InvalidOperatorRequestException if {@code limit} is not 1 to {@value #MAX_LIST}
   */
  public DeadLetterListing list(int limit) {
    if (limit < 1 || limit > MAX_LIST) {
      throw new InvalidOperatorRequestException(
          "limit", "limit must be 1 to " + MAX_LIST + ", got " + limit);
    }
    QueueDepths depths = deadLetters.depths();
    Optional<MoveTask> lastRedrive = deadLetters.moveTasks().stream().findFirst();
    List<DeadLetter> letters = deadLetters.receive(limit + 1, LOOK_HOLD);
    try {
      var lookup = new TaskLookup();
      List<DeadLetterEntry> entries =
          DeadLetter.oldestFirst(letters).stream().limit(limit).map(lookup::entry).toList();
      return new DeadLetterListing(depths, entries, letters.size() > limit, lastRedrive);
    } finally {
      deadLetters.hold(letters, Duration.ZERO);
    }
  }

  /**
   * One task's dead-lettered messages and its whole timeline ({@code id} a task id), or one message
   * and its task ({@code id} a message id). A task none of whose messages is in the queue is still
   * shown, with no messages.
   *
   * @throws DeadLetterNotFoundException if neither a message nor a task has this id
   */
  public DeadLetterDetail show(String id) {
    Objects.requireNonNull(id, "id");
    List<DeadLetter> letters = deadLetters.receive(MAX_SCAN, LOOK_HOLD);
    try {
      var lookup = new TaskLookup();
      if (TaskId.isValid(id)) {
        TaskId taskId = new TaskId(id);
        Optional<UploadTask> task = lookup.find(taskId);
        List<DeadLetterEntry> messages =
            DeadLetter.oldestFirst(letters).stream()
                .filter(letter -> TaskMessage.parse(letter.body()).equals(Optional.of(taskId)))
                .map(lookup::entry)
                .toList();
        if (task.isEmpty() && messages.isEmpty()) {
          throw new DeadLetterNotFoundException(id);
        }
        return new DeadLetterDetail(taskId.value(), task, messages);
      }
      DeadLetter letter =
          letters.stream()
              .filter(l -> l.messageId().equals(id))
              .findFirst()
              .orElseThrow(() -> new DeadLetterNotFoundException(id));
      DeadLetterEntry entry = lookup.entry(letter);
      return new DeadLetterDetail(id, entry.taskId().flatMap(lookup::find), List.of(entry));
    } finally {
      deadLetters.hold(letters, Duration.ZERO);
    }
  }

  // --- redrive ---------------------------------------------------------------------------------

  /**
   * Sends dead-lettered messages back to the work queue, resetting FAILED tasks to PENDING first
   * ({@link Redrive} says what happens to each message and why a crash loses nothing). Returns when
   * every message has been handled; a server-side move ({@link RedriveMethod#MOVE_TASK}) goes on
   * after that, and {@link RedriveReport#moveTask} tells how to follow it.
   *
   * @param operator who asks, for the log
   * @throws RedriveInProgressException if a move from the dead-letter queue is still running
   * @throws RuntimeException as the dead-letter queue throws it, should the move back not start:
   *     the tasks reset so far stay PENDING (the reconciler re-publishes them after {@code
   *     UPLINK_RECONCILE_AFTER}) and their messages stay in the dead-letter queue, so redriving
   *     again sends them back. Not logged here: the caller reports it.
   */
  public RedriveReport redrive(RedriveRequest request, String operator) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(operator, "operator");
    Optional<MoveTask> running =
        deadLetters.moveTasks().stream().filter(MoveTask::isRunning).findFirst();
    if (running.isPresent()) {
      throw new RedriveInProgressException(running.get());
    }
    long started = System.nanoTime();
    var run =
        new Redrive(
            tasks, queue, deadLetters, clock, pacer, deadLetters.receive(MAX_SCAN, WORK_HOLD));
    RedriveReport report;
    try {
      report = request.all() ? run.all(request.ratePerSecond()) : run.only(request);
    } finally {
      run.releaseWhatIsStillHeld();
    }
    log.info(
        "Operator {} redrove the dead-letter queue ({}): {} by {} in {} ms{}",
        operator,
        request.all() ? "all" : request.ids().size() + " ids",
        report.counts(),
        report.method(),
        (System.nanoTime() - started) / 1_000_000,
        report.moveTask().map(move -> ", move " + move.handle()).orElse(""));
    return report;
  }

  // --- purge -----------------------------------------------------------------------------------

  /**
   * Deletes the dead-letter queue's messages, or only those sent longer ago than {@code olderThan};
   * the rest are released. Tasks are left as they are: a FAILED task whose message is purged stays
   * FAILED, and {@link #retry} still retries it.
   *
   * @param operator who asks, for the log
   * @throws InvalidOperatorRequestException if {@code olderThan} is negative
   */
  public PurgeReport purge(Optional<Duration> olderThan, String operator) {
    Objects.requireNonNull(olderThan, "olderThan");
    Objects.requireNonNull(operator, "operator");
    if (olderThan.filter(Duration::isNegative).isPresent()) {
      throw new InvalidOperatorRequestException("olderThan", "olderThan must not be negative");
    }
    var cutoff = olderThan.map(age -> clock.instant().minus(age));
    List<DeadLetter> held = DeadLetter.oldestFirst(deadLetters.receive(MAX_SCAN, WORK_HOLD));
    List<DeadLetter> doomed =
        held.stream()
            .filter(letter -> cutoff.isEmpty() || letter.sentAt().isBefore(cutoff.get()))
            .toList();
    Set<String> doomedIds = new HashSet<>(doomed.stream().map(DeadLetter::messageId).toList());
    Set<String> notDeleted = doomedIds;
    try {
      notDeleted = deadLetters.delete(doomed);
    } finally {
      var release = new ArrayList<DeadLetter>();
      for (DeadLetter letter : held) {
        if (!doomedIds.contains(letter.messageId()) || notDeleted.contains(letter.messageId())) {
          release.add(letter);
        }
      }
      deadLetters.hold(release, Duration.ZERO);
    }
    var items = new ArrayList<PurgeReport.Item>();
    for (DeadLetter letter : held) {
      PurgeReport.Outcome outcome =
          !doomedIds.contains(letter.messageId())
              ? PurgeReport.Outcome.KEPT
              : notDeleted.contains(letter.messageId())
                  ? PurgeReport.Outcome.NOT_DELETED
                  : PurgeReport.Outcome.DELETED;
      items.add(
          new PurgeReport.Item(
              letter.messageId(), TaskMessage.parse(letter.body()), letter.sentAt(), outcome));
    }
    var report = new PurgeReport(olderThan, items);
    log.info(
        "Operator {} purged the dead-letter queue{}: {} deleted, {} kept, {} not deleted",
        operator,
        olderThan.map(age -> " of messages older than " + age).orElse(""),
        report.count(PurgeReport.Outcome.DELETED),
        report.count(PurgeReport.Outcome.KEPT),
        report.count(PurgeReport.Outcome.NOT_DELETED));
    return report;
  }

  // --- retry -----------------------------------------------------------------------------------

  /**
   * Sends a FAILED task through again, whoever owns it: FAILED to PENDING (attempts and timeline
   * kept), then its id is published. Should publishing fail, the task is PENDING all the same and
   * the reconciler publishes it ({@link RetryResult#queued} says which). A message of the task
   * still in the dead-letter queue turns stale and a redrive or purge deletes it.
   *
   * @param operator who asks, for the log
   * @throws TaskNotFoundException if there is no such task
   * @throws RetryRefusedException if the task is not FAILED (nothing is changed)
   */
  public RetryResult retry(TaskId id, String operator) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(operator, "operator");
    UploadTask task = tasks.find(id).orElseThrow(() -> new TaskNotFoundException(id));
    if (task.status() != TaskStatus.FAILED) {
      throw new RetryRefusedException(task);
    }
    UploadTask retried;
    try {
      retried =
          tasks.transition(
              id, TaskStatus.FAILED, TaskStatus.PENDING, Optional.empty(), clock.instant());
    } catch (TaskConflictException e) {
      throw new RetryRefusedException(e.current().or(() -> tasks.find(id)).orElse(task));
    }
    boolean queued;
    try {
      queue.publish(retried);
      queued = true;
    } catch (RuntimeException e) {
      log.warn(
          "Task {} was retried but publishing it failed; the reconciler publishes it: {}",
          id,
          e.toString());
      queued = false;
    }
    log.info(
        "Operator {} retried task {} of {} (attempts so far {}, last error {})",
        operator,
        id,
        retried.owner(),
        retried.attempts(),
        retried.lastError().map(Object::toString).orElse("none"));
    return new RetryResult(retried, queued);
  }

  // --- helpers ---------------------------------------------------------------------------------

  /** Reads each task once per call. */
  private final class TaskLookup {
    private final Map<TaskId, Optional<UploadTask>> found = new HashMap<>();

    Optional<UploadTask> find(TaskId id) {
      return found.computeIfAbsent(id, tasks::find);
    }

    DeadLetterEntry entry(DeadLetter letter) {
      Optional<TaskId> id = TaskMessage.parse(letter.body());
      return DeadLetterEntry.of(letter, id, id.flatMap(this::find));
    }
  }
}
