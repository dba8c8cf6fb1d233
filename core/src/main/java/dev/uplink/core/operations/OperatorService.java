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
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What operators do: list and show the dead-letter queue, send its messages back to the work queue
 * (redrive), purge it, and retry FAILED tasks. Pure: it knows only the ports, so the HTTP API and
 * the command line run the same code ({@code dev.uplink.core.aws.OperatorServices} builds it on
 * AWS).
 *
 * <h2>What a redrive does with each message</h2>
 *
 * It reads the message's task (never trusting the message for anything but the id):
 *
 * <ul>
 *   <li>FAILED: reset to PENDING ({@link TaskStore#transition}; attempts and timeline kept, the
 *       timeline says {@code retried by an operator}), then the message goes back: {@link
 *       RedriveOutcome#RETRIED}.
 *   <li>PENDING or PROCESSING (someone retried it already): left as it is; the message goes back
 *       too, a duplicate the claim rule makes harmless: {@link RedriveOutcome#REQUEUED}.
 *   <li>DONE, CANCELLED, AWAITING_UPLOAD, or no such task: the message is stale (a worker would
 *       drop it), so it is deleted: {@link RedriveOutcome#STALE_DELETED}.
 *   <li>Not a task message: left in the dead-letter queue, for {@link #purge}: {@link
 *       RedriveOutcome#NOT_A_TASK}.
 * </ul>
 *
 * Messages go back in one of two ways. For {@code all}, when the queue can move messages by itself
 * ({@link DeadLetterQueue#canMoveBack}), holds nothing that must stay, and is still exactly what
 * was read, the resets are made first and then one server-side move ({@link
 * DeadLetterQueue#startMoveBack}) takes every message back at the requested rate. Otherwise
 * (specific ids, a FIFO queue, poison in the queue, a queue that changed while it was read) each
 * message is sent back on its own: reset, publish a new message ({@link TaskQueue#publish}), delete
 * the dead-lettered one, at the requested rate.
 *
 * <h2>Crashes: nothing is lost</h2>
 *
 * Delivery is at least once throughout; a process may die between any two steps, and every message
 * this service holds is only <em>held</em> (invisible for a while), never removed until its task is
 * safe:
 *
 * <ul>
 *   <li><b>Died while reading or resetting</b> (tasks PENDING, messages still in the dead-letter
 *       queue): the held messages are visible again when their hold ends. A reset task is PENDING
 *       with no message in the work queue, which is exactly what the reconciler looks for: it
 *       re-publishes it after {@code UPLINK_RECONCILE_AFTER} and the task is processed. A second
 *       redrive meanwhile finds it PENDING (REQUEUED: a harmless duplicate) or, once DONE, deletes
 *       its stale message.
 *   <li><b>Died after publishing, before deleting</b> (loop): the task is PENDING with a message in
 *       each queue. The work queue's copy is processed; the dead-letter copy turns stale and the
 *       next redrive or purge deletes it.
 *   <li><b>Died after the move started</b>: the move runs on in the queue without us. Every task it
 *       carries back was reset before it started, so each message finds a PENDING task.
 *   <li><b>The order is what makes this safe</b>: a task is always reset <em>before</em> its
 *       message goes back. Were a message moved first, a worker could receive it while the task was
 *       still FAILED and drop it as finished, leaving a FAILED task with no message anywhere (only
 *       {@link #retry} would recover it). So the move is only started when the queue holds exactly
 *       the messages read and reset: their count is checked again just before, and a queue that
 *       changed (a task exhausted its retries meanwhile, another reader holds messages) is redriven
 *       by the loop instead, which touches only the messages it holds. What remains is the moment
 *       between that check and the start of the move; a message that lands in it goes back with its
 *       task still FAILED, and the task is retried by id.
 * </ul>
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

  private static final Duration HOLD_MARGIN = Duration.ofMinutes(1);
  private static final int RESET_TRIES = 3;

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
          oldestFirst(letters).stream().limit(limit).map(lookup::entry).toList();
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
            oldestFirst(letters).stream()
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
   * (see the class description for each case and for why a crash loses nothing). Returns when every
   * message has been handled; a server-side move ({@link RedriveMethod#MOVE_TASK}) goes on after
   * that, and {@link RedriveReport#moveTask} tells how to follow it.
   *
   * @param operator who asks, for the log
   * @throws RedriveInProgressException if a move from the dead-letter queue is still running
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
    var run = new Redrive(deadLetters.receive(MAX_SCAN, WORK_HOLD));
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

  /** One redrive: the messages it holds and what it did with each. */
  private final class Redrive {

    private final List<DeadLetter> held;
    private final Set<DeadLetter> stillHeld;
    private final List<RedriveItem> items = new ArrayList<>();
    private final List<Prepared> ready = new ArrayList<>();
    private final List<DeadLetter> staying = new ArrayList<>();
    private final long startedNanos = System.nanoTime();

    /** A message ready to go back: its task is PENDING or PROCESSING now. */
    private record Prepared(DeadLetter letter, UploadTask task, RedriveOutcome outcome) {}

    Redrive(List<DeadLetter> held) {
      this.held = oldestFirst(held);
      this.stillHeld = new LinkedHashSet<>(this.held);
    }

    RedriveReport all(OptionalInt rate) {
      held.forEach(this::prepare);
      if (ready.isEmpty()) {
        return report(RedriveMethod.NONE, "nothing in the dead-letter queue needed sending back");
      }
      String loopBecause = whyNotMove();
      if (loopBecause == null) {
        // Every task is reset and the queue holds exactly these messages: let it move them.
        List<DeadLetter> letters = ready.stream().map(Prepared::letter).toList();
        deadLetters.hold(letters, Duration.ZERO);
        letters.forEach(stillHeld::remove);
        MoveTask move;
        try {
          move = deadLetters.startMoveBack(rate);
        } catch (RuntimeException e) {
          log.warn(
              "{} tasks were reset to PENDING but the move back did not start; their messages"
                  + " are still in the dead-letter queue: redrive again (or the reconciler"
                  + " re-publishes the tasks after UPLINK_RECONCILE_AFTER)",
              ready.size(),
              e);
          throw e;
        }
        for (Prepared prepared : ready) {
          items.add(item(prepared, "going back to the work queue with move " + move.handle()));
        }
        return new RedriveReport(
            RedriveMethod.MOVE_TASK,
            "every message was reset; the queue moves them back by itself",
            Optional.of(move),
            items);
      }
      sendBack(rate);
      return report(RedriveMethod.RECEIVE_SEND_DELETE, loopBecause);
    }

    RedriveReport only(RedriveRequest request) {
      var wanted = new LinkedHashSet<String>();
      for (String id : request.ids()) {
        wanted.add(TaskId.isValid(id) ? new TaskId(id).value() : id);
      }
      var matched = new HashSet<String>();
      var others = new ArrayList<DeadLetter>();
      for (DeadLetter letter : held) {
        Optional<String> task = TaskMessage.parse(letter.body()).map(TaskId::value);
        boolean byMessage = wanted.contains(letter.messageId());
        boolean byTask = task.isPresent() && wanted.contains(task.get());
        if (byMessage || byTask) {
          if (byMessage) {
            matched.add(letter.messageId());
          }
          if (byTask) {
            matched.add(task.get());
          }
          prepare(letter);
        } else {
          others.add(letter);
        }
      }
      deadLetters.hold(others, Duration.ZERO);
      others.forEach(stillHeld::remove);
      sendBack(request.ratePerSecond());
      for (String id : wanted) {
        if (!matched.contains(id)) {
          boolean isTask = TaskId.isValid(id);
          items.add(
              new RedriveItem(
                  isTask ? Optional.empty() : Optional.of(id),
                  isTask ? Optional.of(new TaskId(id)) : Optional.empty(),
                  RedriveOutcome.NOT_FOUND,
                  Optional.empty(),
                  isTask
                      ? "no message of this task is in the dead-letter queue; retry the task"
                          + " instead"
                      : "no message with this id is in the dead-letter queue"));
        }
      }
      return report(
          ready.isEmpty() ? RedriveMethod.NONE : RedriveMethod.RECEIVE_SEND_DELETE,
          "specific messages are sent back one by one");
    }

    /** Why the move cannot be used for {@code all}; null when it can. */
    private String whyNotMove() {
      if (!deadLetters.canMoveBack()) {
        return "this queue cannot move messages by itself (a FIFO queue, or no"
            + " StartMessageMoveTask)";
      }
      if (!staying.isEmpty()) {
        return "the dead-letter queue also holds messages that must stay there (not task"
            + " messages, or ones whose task could not be read), and a move would take them too";
      }
      if (held.size() >= MAX_SCAN) {
        return "the dead-letter queue holds more than " + MAX_SCAN + " messages: redrive again";
      }
      QueueDepth depth = deadLetters.depths().deadLetterQueue();
      if (depth.visible() != 0 || depth.delayed() != 0 || depth.inFlight() != ready.size()) {
        return "the dead-letter queue changed while it was read (%d visible, %d held, %d read)"
            .formatted(depth.visible(), depth.inFlight(), ready.size());
      }
      return null;
    }

    /** Reads the message's task, resets a FAILED one, deletes a stale message. */
    private void prepare(DeadLetter letter) {
      Optional<TaskId> id = TaskMessage.parse(letter.body());
      if (id.isEmpty()) {
        staying.add(letter);
        items.add(
            item(
                letter,
                id,
                RedriveOutcome.NOT_A_TASK,
                Optional.empty(),
                "not a task message: left in the dead-letter queue (purge removes it)"));
        return;
      }
      try {
        for (int tries = 1; ; tries++) {
          Optional<UploadTask> found = tasks.find(id.get());
          if (found.isEmpty()) {
            deleteStale(letter, id, Optional.empty(), "no such task (never recorded, or expired)");
            return;
          }
          UploadTask task = found.get();
          switch (task.status()) {
            case DONE, CANCELLED, AWAITING_UPLOAD -> {
              deleteStale(letter, id, Optional.of(task.status()), "the task is " + task.status());
              return;
            }
            case PENDING, PROCESSING -> {
              ready.add(new Prepared(letter, task, RedriveOutcome.REQUEUED));
              return;
            }
            case FAILED -> {
              try {
                UploadTask reset =
                    tasks.transition(
                        task.id(),
                        TaskStatus.FAILED,
                        TaskStatus.PENDING,
                        Optional.empty(),
                        clock.instant());
                ready.add(new Prepared(letter, reset, RedriveOutcome.RETRIED));
                return;
              } catch (TaskConflictException e) {
                if (tries >= RESET_TRIES) {
                  throw e;
                }
                // It changed under us (a worker, another operator): look again.
              }
            }
          }
        }
      } catch (TaskNotFoundException e) {
        deleteStale(letter, id, Optional.empty(), "no such task (never recorded, or expired)");
      } catch (RuntimeException e) {
        staying.add(letter);
        items.add(
            item(
                letter,
                id,
                RedriveOutcome.ERROR,
                Optional.empty(),
                "reading or resetting the task failed (" + e + "); the message stays"));
      }
    }

    private void deleteStale(
        DeadLetter letter, Optional<TaskId> id, Optional<TaskStatus> status, String why) {
      if (deadLetters.delete(List.of(letter)).isEmpty()) {
        stillHeld.remove(letter);
        items.add(
            item(letter, id, RedriveOutcome.STALE_DELETED, status, why + ": message deleted"));
      } else {
        staying.add(letter);
        items.add(
            item(
                letter,
                id,
                RedriveOutcome.ERROR,
                status,
                why + ", but deleting the stale message failed; it stays"));
      }
    }

    /** The loop: publish each ready task's message, then delete the dead-lettered one. */
    private void sendBack(OptionalInt rate) {
      if (ready.isEmpty()) {
        return;
      }
      Optional<Duration> gap =
          rate.isPresent()
              ? Optional.of(Duration.ofNanos(1_000_000_000L / rate.getAsInt()))
              : Optional.empty();
      gap.ifPresent(this::holdLongEnough);
      for (int i = 0; i < ready.size(); i++) {
        Prepared prepared = ready.get(i);
        if (i > 0 && gap.isPresent()) {
          try {
            pacer.pause(gap.get());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            for (Prepared rest : ready.subList(i, ready.size())) {
              items.add(
                  item(
                      rest.letter(),
                      Optional.of(rest.task().id()),
                      RedriveOutcome.ERROR,
                      Optional.of(rest.task().status()),
                      "interrupted before it was sent back; the message stays"
                          + pendingNote(rest)));
            }
            return;
          }
        }
        try {
          queue.publish(prepared.task());
        } catch (RuntimeException e) {
          items.add(
              item(
                  prepared.letter(),
                  Optional.of(prepared.task().id()),
                  RedriveOutcome.ERROR,
                  Optional.of(prepared.task().status()),
                  "sending it back failed (" + e + "); the message stays" + pendingNote(prepared)));
          continue;
        }
        if (deadLetters.delete(List.of(prepared.letter())).isEmpty()) {
          stillHeld.remove(prepared.letter());
          items.add(item(prepared, "sent back to the work queue"));
        } else {
          items.add(
              item(
                  prepared,
                  "sent back to the work queue; deleting the dead-lettered copy failed, so it"
                      + " stays and shows as stale once the task is DONE"));
        }
      }
    }

    /** A slow redrive extends its holds, so that its messages stay invisible to other readers. */
    private void holdLongEnough(Duration gap) {
      Duration needed =
          gap.multipliedBy(ready.size())
              .plus(Duration.ofNanos(System.nanoTime() - startedNanos))
              .plus(HOLD_MARGIN);
      if (needed.compareTo(WORK_HOLD) > 0) {
        Duration hold =
            needed.compareTo(DeadLetterQueue.MAX_HOLD) > 0 ? DeadLetterQueue.MAX_HOLD : needed;
        deadLetters.hold(ready.stream().map(Prepared::letter).toList(), hold);
      }
    }

    private static String pendingNote(Prepared prepared) {
      return prepared.outcome() == RedriveOutcome.RETRIED
          ? "; the task is PENDING already, so the reconciler re-publishes it after"
              + " UPLINK_RECONCILE_AFTER"
          : "";
    }

    private RedriveItem item(Prepared prepared, String what) {
      String before =
          prepared.outcome() == RedriveOutcome.RETRIED
              ? "FAILED, now PENDING (attempts and timeline kept)"
              : "already " + prepared.task().status() + ", left as it is";
      return item(
          prepared.letter(),
          Optional.of(prepared.task().id()),
          prepared.outcome(),
          Optional.of(prepared.task().status()),
          "the task was " + before + "; " + what);
    }

    private RedriveItem item(
        DeadLetter letter,
        Optional<TaskId> taskId,
        RedriveOutcome outcome,
        Optional<TaskStatus> status,
        String detail) {
      return new RedriveItem(Optional.of(letter.messageId()), taskId, outcome, status, detail);
    }

    private RedriveReport report(RedriveMethod method, String reason) {
      return new RedriveReport(method, reason, Optional.empty(), items);
    }

    void releaseWhatIsStillHeld() {
      if (!stillHeld.isEmpty()) {
        deadLetters.hold(List.copyOf(stillHeld), Duration.ZERO);
      }
    }
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
    List<DeadLetter> held = oldestFirst(deadLetters.receive(MAX_SCAN, WORK_HOLD));
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

  private static List<DeadLetter> oldestFirst(List<DeadLetter> letters) {
    return letters.stream()
        .sorted(Comparator.comparing(DeadLetter::sentAt).thenComparing(DeadLetter::messageId))
        .toList();
  }

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
