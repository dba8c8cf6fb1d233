package dev.uplink.core.testing;

import dev.uplink.core.domain.TaskId;
import dev.uplink.core.json.TaskMessage;
import dev.uplink.core.operations.DeadLetter;
import dev.uplink.core.operations.DeadLetterQueue;
import dev.uplink.core.operations.MoveTask;
import dev.uplink.core.operations.QueueDepth;
import dev.uplink.core.operations.QueueDepths;
import dev.uplink.core.operations.RedriveInProgressException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;

/**
 * A {@link DeadLetterQueue} in memory, with SQS's rules for holds: a receive makes a message
 * invisible until its hold ends and gives it a new receipt; only the latest receipt releases or
 * deletes it. A move ({@link #startMoveBack}) completes at once, taking every message (held or not)
 * to {@link #movedBack()}.
 *
 * <p>For tests it can refuse to move, pretend a move is running, fail every call, keep a message
 * held by another reader, or refuse deletes.
 */
public final class InMemoryDeadLetterQueue implements DeadLetterQueue {

  private static final String NAME = "uplink-tasks-dlq";

  private static final class Stored {
    final String id;
    final String body;
    final Instant sentAt;
    int receives;
    Instant visibleAt;
    String receipt = "";

    Stored(String id, String body, Instant sentAt, Instant visibleAt) {
      this.id = id;
      this.body = body;
      this.sentAt = sentAt;
      this.visibleAt = visibleAt;
    }
  }

  private final Clock clock;
  private final Map<String, Stored> messages = new LinkedHashMap<>();
  private final List<String> movedBack = new ArrayList<>();
  private final List<MoveTask> moves = new ArrayList<>();
  private long workQueueVisible;
  private boolean moveSupported = true;
  private boolean moveRunning;
  private boolean refuseDeletes;
  private RuntimeException failure;
  private RuntimeException moveFailure;
  private int receipts;
  private int added;

  public InMemoryDeadLetterQueue(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** A message sent now with {@code body}; returns its id. */
  public String add(String body) {
    return add(body, clock.instant());
  }

  /** A message sent at {@code sentAt}; returns its id. */
  public synchronized String add(String body, Instant sentAt) {
    // Ids sort in the order messages arrive, so messages sent in the same instant list in that
    // order, as they would on SQS (oldest first, then by id).
    String id = "%08d-%s".formatted(++added, UUID.randomUUID());
    messages.put(id, new Stored(id, body, sentAt, clock.instant()));
    return id;
  }

  /** The message a worker left for {@code task}; returns its id. */
  public String addTaskMessage(TaskId task) {
    return add(TaskMessage.bodyFor(task));
  }

  /** Every message's body, held or not, in the order they arrived. */
  public synchronized List<String> bodies() {
    return messages.values().stream().map(m -> m.body).toList();
  }

  /** Every message's id, held or not. */
  public synchronized List<String> messageIds() {
    return List.copyOf(messages.keySet());
  }

  /** How many messages are held (received and not yet visible again). */
  public synchronized long held() {
    Instant now = clock.instant();
    return messages.values().stream().filter(m -> m.visibleAt.isAfter(now)).count();
  }

  /** How many times the message was received. */
  public synchronized int receiveCount(String messageId) {
    return messages.get(messageId).receives;
  }

  /** The bodies of every message moved back to the work queue, in order. */
  public synchronized List<String> movedBack() {
    return List.copyOf(movedBack);
  }

  /** What {@link #depths} says the work queue holds. */
  public synchronized void workQueueVisible(long visible) {
    this.workQueueVisible = visible;
  }

  /** Whether the queue can move messages by itself (default true). */
  public synchronized void moveSupported(boolean supported) {
    this.moveSupported = supported;
  }

  /** Whether a move started elsewhere is running (default false). */
  public synchronized void moveRunning(boolean running) {
    this.moveRunning = running;
  }

  /** Every later call throws {@code failure} (null to heal). */
  public synchronized void failWith(RuntimeException failure) {
    this.failure = failure;
  }

  /** Every later {@link #startMoveBack} throws {@code failure} (null to heal). */
  public synchronized void failMovesWith(RuntimeException failure) {
    this.moveFailure = failure;
  }

  /** Whether {@link #delete} refuses every message (default false). */
  public synchronized void refuseDeletes(boolean refuse) {
    this.refuseDeletes = refuse;
  }

  /** Another reader receives the message and holds it for {@code hold}. */
  public synchronized void holdElsewhere(String messageId, Duration hold) {
    Stored stored = messages.get(messageId);
    stored.receives++;
    stored.receipt = "elsewhere-" + ++receipts;
    stored.visibleAt = clock.instant().plus(hold);
  }

  @Override
  public synchronized List<DeadLetter> receive(int limit, Duration hold) {
    check();
    Instant now = clock.instant();
    var received = new ArrayList<DeadLetter>();
    for (Stored stored : messages.values()) {
      if (received.size() >= limit) {
        break;
      }
      if (stored.visibleAt.isAfter(now)) {
        continue;
      }
      stored.receives++;
      stored.receipt = stored.id + "#" + ++receipts;
      stored.visibleAt = now.plus(hold);
      received.add(
          new DeadLetter(stored.id, stored.body, stored.receives, stored.sentAt, stored.receipt));
    }
    return received;
  }

  @Override
  public synchronized void hold(List<DeadLetter> letters, Duration hold) {
    check();
    Instant now = clock.instant();
    for (DeadLetter letter : letters) {
      Stored stored = messages.get(letter.messageId());
      if (stored != null && stored.receipt.equals(letter.receipt())) {
        stored.visibleAt = now.plus(hold);
      }
    }
  }

  @Override
  public synchronized Set<String> delete(List<DeadLetter> letters) {
    check();
    var notDeleted = new HashSet<String>();
    for (DeadLetter letter : letters) {
      Stored stored = messages.get(letter.messageId());
      if (refuseDeletes || stored == null || !stored.receipt.equals(letter.receipt())) {
        notDeleted.add(letter.messageId());
      } else {
        messages.remove(letter.messageId());
      }
    }
    return notDeleted;
  }

  @Override
  public synchronized QueueDepths depths() {
    check();
    Instant now = clock.instant();
    long inFlight = messages.values().stream().filter(m -> m.visibleAt.isAfter(now)).count();
    return new QueueDepths(
        new QueueDepth("uplink-tasks", workQueueVisible, 0, 0),
        new QueueDepth(NAME, messages.size() - inFlight, inFlight, 0));
  }

  @Override
  public synchronized boolean canMoveBack() {
    check();
    return moveSupported;
  }

  @Override
  public synchronized MoveTask startMoveBack(OptionalInt ratePerSecond) {
    check();
    if (!moveSupported) {
      throw new UnsupportedOperationException("this queue cannot move messages");
    }
    if (moveRunning) {
      throw new RedriveInProgressException(moveTasks().get(0));
    }
    if (moveFailure != null) {
      throw moveFailure;
    }
    Instant now = clock.instant();
    long moved = messages.size();
    messages.values().forEach(m -> movedBack.add(m.body));
    messages.clear();
    var move =
        new MoveTask(
            "move-" + (moves.size() + 1),
            "COMPLETED",
            moved,
            OptionalLong.of(moved),
            ratePerSecond,
            Optional.of(now),
            Optional.empty());
    moves.add(0, move);
    return move;
  }

  @Override
  public synchronized List<MoveTask> moveTasks() {
    check();
    if (!moveSupported) {
      return List.of();
    }
    if (moveRunning) {
      var running =
          new MoveTask(
              "move-elsewhere",
              MoveTask.RUNNING,
              1,
              OptionalLong.of(5),
              OptionalInt.empty(),
              Optional.of(clock.instant()),
              Optional.empty());
      var all = new ArrayList<MoveTask>();
      all.add(running);
      all.addAll(moves);
      return all;
    }
    return List.copyOf(moves);
  }

  private void check() {
    if (failure != null) {
      throw failure;
    }
  }
}
