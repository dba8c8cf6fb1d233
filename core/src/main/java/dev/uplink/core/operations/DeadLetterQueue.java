package dev.uplink.core.operations;

import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The work queue's dead-letter queue, as operators handle it: the port {@link OperatorService}
 * reads, moves and deletes its messages through.
 *
 * <p>A queue has no "peek": reading a message receives it. Every read therefore takes a
 * <em>hold</em> (the message is invisible to other readers for that long), and the reader then
 * releases the message ({@link #hold} with zero), deletes it, or lets the hold run out. A reader
 * that dies holding messages loses none of them: they are visible again when their hold ends.
 */
public interface DeadLetterQueue {

  /** The longest hold a queue accepts (SQS: 12 hours). */
  Duration MAX_HOLD = Duration.ofHours(12);

  /**
   * Receives the messages visible now, at most {@code limit}, each held for {@code hold}. Returns
   * when the queue has no more visible messages (it never waits for new ones to arrive), so calling
   * it once reads the whole queue up to {@code limit}.
   */
  List<DeadLetter> receive(int limit, Duration hold);

  /**
   * Holds these received messages for {@code hold} from now; {@link Duration#ZERO} releases them
   * (visible again at once). Best effort: a message whose hold already ran out is skipped, and it
   * is visible anyway.
   */
  void hold(List<DeadLetter> letters, Duration hold);

  /**
   * Deletes these received messages.
   *
   * @return the ids of the messages that were not deleted (their hold ran out and another reader
   *     has them now, or the queue refused); empty when all were
   */
  Set<String> delete(List<DeadLetter> letters);

  /** How many messages the work queue and this queue hold. */
  QueueDepths depths();

  /**
   * Whether {@link #startMoveBack} is available: the queue can move its messages back to the work
   * queue by itself (SQS {@code StartMessageMoveTask}; not for FIFO queues, not on every emulator).
   */
  boolean canMoveBack();

  /**
   * Starts moving every message this queue holds back to the work queue, server-side, and returns
   * at once; the move goes on without the caller.
   *
   * @param ratePerSecond the most messages moved a second (1-500), or the queue's own pace
   * @throws RedriveInProgressException if a move from this queue is already running
   * @throws UnsupportedOperationException if {@link #canMoveBack} is false
   */
  MoveTask startMoveBack(OptionalInt ratePerSecond);

  /** The most recent moves from this queue, newest first; empty if the queue cannot move. */
  List<MoveTask> moveTasks();
}
