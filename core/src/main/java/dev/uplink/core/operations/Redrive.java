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
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * One redrive ({@link OperatorService#redrive}): the dead-letter messages it holds, what it does
 * with each, and how they go back to the work queue. One instance per redrive; not thread-safe.
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
 *   <li>Not a task message: left in the dead-letter queue, for {@link OperatorService#purge}:
 *       {@link RedriveOutcome#NOT_A_TASK}.
 * </ul>
 *
 * Messages go back in one of two ways. For {@link #all}, when the queue can move messages by itself
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
 *       {@link OperatorService#retry} would recover it). So the move is only started when the queue
 *       holds exactly the messages read and reset: their count is checked again just before, and a
 *       queue that changed (a task exhausted its retries meanwhile, another reader holds messages)
 *       is redriven by the loop instead, which touches only the messages it holds. What remains is
 *       the moment between that check and the start of the move; a message that lands in it goes
 *       back with its task still FAILED, and the task is retried by id.
 * </ul>
 */
final class Redrive {

  private static final Duration HOLD_MARGIN = Duration.ofMinutes(1);
  private static final int RESET_TRIES = 3;

  private final TaskStore tasks;
  private final TaskQueue queue;
  private final DeadLetterQueue deadLetters;
  private final Clock clock;
  private final OperatorService.Pacer pacer;
  private final List<DeadLetter> held;
  private final Set<DeadLetter> stillHeld;
  private final List<RedriveItem> items = new ArrayList<>();
  private final List<Prepared> ready = new ArrayList<>();
  private final List<DeadLetter> staying = new ArrayList<>();
  private final long startedNanos = System.nanoTime();

  /** A message ready to go back: its task is PENDING or PROCESSING now. */
  private record Prepared(DeadLetter letter, UploadTask task, RedriveOutcome outcome) {}

  /**
   * @param held the dead-letter queue's messages this redrive received and now holds
   */
  Redrive(
      TaskStore tasks,
      TaskQueue queue,
      DeadLetterQueue deadLetters,
      Clock clock,
      OperatorService.Pacer pacer,
      List<DeadLetter> held) {
    this.tasks = tasks;
    this.queue = queue;
    this.deadLetters = deadLetters;
    this.clock = clock;
    this.pacer = pacer;
    this.held = DeadLetter.oldestFirst(held);
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
      // Should the move not start, the tasks stay PENDING for the reconciler and their messages in
      // the dead-letter queue for the next redrive; the caller reports the error.
      MoveTask move = deadLetters.startMoveBack(rate);
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
      return "this queue cannot move messages by itself (a FIFO queue, or its SQS offers no"
          + " StartMessageMoveTask or answers it with errors)";
    }
    if (!staying.isEmpty()) {
      return "the dead-letter queue also holds messages that must stay there (not task"
          + " messages, or ones whose task could not be read), and a move would take them too";
    }
    if (held.size() >= OperatorService.MAX_SCAN) {
      return "the dead-letter queue holds more than "
          + OperatorService.MAX_SCAN
          + " messages: redrive again";
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
        // A switch expression: a status added to TaskStatus does not compile until it is decided.
        boolean decided =
            switch (task.status()) {
              case DONE, CANCELLED, AWAITING_UPLOAD -> {
                deleteStale(letter, id, Optional.of(task.status()), "the task is " + task.status());
                yield true;
              }
              case PENDING, PROCESSING -> {
                ready.add(new Prepared(letter, task, RedriveOutcome.REQUEUED));
                yield true;
              }
              case FAILED -> reset(letter, task, tries);
            };
        if (decided) {
          return;
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

  /**
   * Resets a FAILED task to PENDING and readies its message; false when the task changed meanwhile
   * (a worker, another operator), to look at it again.
   */
  private boolean reset(DeadLetter letter, UploadTask task, int tries) {
    try {
      UploadTask reset =
          tasks.transition(
              task.id(), TaskStatus.FAILED, TaskStatus.PENDING, Optional.empty(), clock.instant());
      ready.add(new Prepared(letter, reset, RedriveOutcome.RETRIED));
      return true;
    } catch (TaskConflictException e) {
      if (tries >= RESET_TRIES) {
        throw e;
      }
      return false;
    }
  }

  private void deleteStale(
      DeadLetter letter, Optional<TaskId> id, Optional<TaskStatus> status, String why) {
    if (deadLetters.delete(List.of(letter)).isEmpty()) {
      stillHeld.remove(letter);
      items.add(item(letter, id, RedriveOutcome.STALE_DELETED, status, why + ": message deleted"));
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
                    "interrupted before it was sent back; the message stays" + pendingNote(rest)));
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
    if (needed.compareTo(OperatorService.WORK_HOLD) > 0) {
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
