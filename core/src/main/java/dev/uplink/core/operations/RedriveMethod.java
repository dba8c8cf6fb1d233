package dev.uplink.core.operations;

/** How a redrive sent messages back to the work queue. */
public enum RedriveMethod {
  /** The queue moves them by itself ({@link DeadLetterQueue#startMoveBack}), after the resets. */
  MOVE_TASK,
  /** One at a time: each message's task is reset, a new message sent, the old one deleted. */
  RECEIVE_SEND_DELETE,
  /** Nothing needed sending back. */
  NONE
}
