package dev.uplink.processor;

import java.time.Duration;
import java.util.Objects;

/**
 * What became of one queue message, and so what the consumer does with it. Four outcomes delete the
 * message ({@link Kind#DONE}, {@link Kind#FAILED}, {@link Kind#DROP}, {@link Kind#RELEASE}); the
 * others keep it and set its visibility timeout to {@link #visibility()} ({@code
 * ChangeMessageVisibility}), so the queue redelivers it then, or, past {@code maxReceiveCount},
 * dead-letters it.
 *
 * @param kind what happened
 * @param visibility for the kinds that keep the message: when it should be received again; {@link
 *     Duration#ZERO} for the kinds that delete it
 */
public record Outcome(Kind kind, Duration visibility) {

  /** What happened to the message. */
  public enum Kind {
    /** The file was pushed, verified, and the task is DONE. Delete. */
    DONE,
    /** The task failed permanently and is FAILED; trying again cannot help. Delete. */
    FAILED,
    /** Nothing (more) to do: no such task, or it already finished. Delete, push nothing. */
    DROP,
    /** A transient failure or an interrupted attempt: try again after the visibility. Keep. */
    RETRY_AFTER,
    /** Another worker holds the task under a live lease: look again when it runs out. Keep. */
    PUT_BACK,
    /**
     * Leave it for the queue's redrive policy to move to the dead-letter queue: a poison message,
     * or a task whose retries are exhausted (already marked FAILED). Keep, visible at once, so the
     * next receive moves it.
     */
    DEAD_LETTER,
    /**
     * The task's host is unreachable (its circuit is open): the task was not claimed and its
     * attempts are unchanged. Keep; a long hold, which a poller cuts short when the host answers
     * again.
     */
    PARKED,
    /**
     * The message is used up (its last allowed receive) but the task is not (it failed, but less
     * often than it may): the task is PENDING again and the reconciler re-publishes it with a fresh
     * message. Delete.
     */
    RELEASE
  }

  public static final Outcome DONE = new Outcome(Kind.DONE, Duration.ZERO);
  public static final Outcome FAILED = new Outcome(Kind.FAILED, Duration.ZERO);
  public static final Outcome DROP = new Outcome(Kind.DROP, Duration.ZERO);

  public Outcome {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(visibility, "visibility");
    if (visibility.isNegative()) {
      throw new IllegalArgumentException("visibility must not be negative: " + visibility);
    }
  }

  public static Outcome retryAfter(Duration backoff) {
    return new Outcome(Kind.RETRY_AFTER, backoff);
  }

  public static Outcome putBack(Duration visibility) {
    return new Outcome(Kind.PUT_BACK, visibility);
  }

  /** Left for the redrive policy; {@code visibility} is zero unless redrive seems not to work. */
  public static Outcome deadLetter(Duration visibility) {
    return new Outcome(Kind.DEAD_LETTER, visibility);
  }

  /** Put back unclaimed for {@code hold}, its host being unreachable. */
  public static Outcome parked(Duration hold) {
    return new Outcome(Kind.PARKED, hold);
  }

  /** The message goes, the PENDING task stays for the reconciler to re-publish. */
  public static final Outcome RELEASE = new Outcome(Kind.RELEASE, Duration.ZERO);

  /** Whether the consumer deletes the message. */
  public boolean deletesMessage() {
    return kind == Kind.DONE || kind == Kind.FAILED || kind == Kind.DROP || kind == Kind.RELEASE;
  }

  @Override
  public String toString() {
    return deletesMessage() ? kind.name() : kind + "(" + visibility + ")";
  }
}
