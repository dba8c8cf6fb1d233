package dev.uplink.processor;

import java.util.Optional;

/**
 * Stops one message's processing from outside: the poller shutting down, the Lambda running out of
 * time, or the heartbeat finding the lease lost. The first reason wins.
 *
 * <p>While the push runs, aborting interrupts the pushing thread: {@code java.net.http} cancels the
 * request, and on a virtual thread blocking socket and file I/O is cut short. Outside the push
 * nothing is interrupted (so the task store's and the queue's calls are never cut); the worker
 * checks {@link #reason()} at its checkpoints instead.
 */
public final class AbortSignal {

  /** Why processing was aborted. */
  public enum Reason {
    /** The poller is stopping and the shutdown grace has run out. Not the task's fault. */
    SHUTDOWN,
    /** The Lambda's remaining time is nearly up. Not the task's fault. */
    DEADLINE,
    /** Extending the lease was refused: another worker has claimed the task. */
    LEASE_LOST
  }

  private Reason reason;
  private Thread pushing;

  /** Aborts with {@code why}, unless already aborted; interrupts the push if one runs. */
  public synchronized void abort(Reason why) {
    if (reason == null) {
      reason = why;
    }
    if (pushing != null) {
      pushing.interrupt();
    }
  }

  public synchronized Optional<Reason> reason() {
    return Optional.ofNullable(reason);
  }

  public synchronized boolean isAborted() {
    return reason != null;
  }

  /** The calling thread starts the interruptible part (the push). */
  synchronized void enterPush() {
    pushing = Thread.currentThread();
    if (reason != null) {
      pushing.interrupt();
    }
  }

  /**
   * The interruptible part is over: no further interrupt can arrive, and one that did is cleared
   * from the calling thread so later store and queue calls are not cut.
   */
  void exitPush() {
    synchronized (this) {
      pushing = null;
    }
    Thread.interrupted();
  }
}
