package dev.uplink.api.admission;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Units of something scarce (upload slots, bytes of buffer) shared among owners: at most {@link
 * #capacity()} in use in all, and at most {@link #perOwner()} held by any one owner, so one owner
 * alone can never take what the others need.
 *
 * <p>A lock and a condition, not {@code synchronized}: callers are virtual threads, which a monitor
 * would pin while they wait.
 */
public final class FairShare {

  /** The outcome of asking for units. */
  public enum Outcome {
    GRANTED,
    /** The owner already holds its share. */
    OWNER_SHARE_TAKEN,
    /** Everything is in use, by others. */
    EXHAUSTED
  }

  private final long capacity;
  private final long perOwner;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition released = lock.newCondition();
  private final Map<String, Long> held = new HashMap<>();
  private long inUse;

  /**
   * @param capacity units there are
   * @param perOwner units one owner may hold at once (at most {@code capacity})
   */
  public FairShare(long capacity, long perOwner) {
    if (capacity < 1 || perOwner < 1) {
      throw new IllegalArgumentException(
          "capacity and perOwner must be positive, got " + capacity + " and " + perOwner);
    }
    this.capacity = capacity;
    this.perOwner = Math.min(perOwner, capacity);
  }

  public long capacity() {
    return capacity;
  }

  public long perOwner() {
    return perOwner;
  }

  /** Takes {@code units} for {@code owner} if both limits allow it now; never waits. */
  public Outcome tryAcquire(String owner, long units) {
    lock.lock();
    try {
      Outcome outcome = check(owner, units);
      if (outcome == Outcome.GRANTED) {
        take(owner, units);
      }
      return outcome;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes {@code units} for {@code owner}, waiting up to {@code patience} for others to release
   * some. Units the limits can never grant are refused at once.
   *
   * @throws InterruptedException if the waiting thread was interrupted (nothing is taken)
   */
  public Outcome acquire(String owner, long units, Duration patience) throws InterruptedException {
    long left = patience.toNanos();
    lock.lock();
    try {
      while (true) {
        Outcome outcome = check(owner, units);
        if (outcome == Outcome.GRANTED) {
          take(owner, units);
          return outcome;
        }
        if (units > perOwner || left <= 0) {
          return outcome;
        }
        left = released.awaitNanos(left);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Gives back {@code units} {@code owner} took. */
  public void release(String owner, long units) {
    if (units == 0) {
      return;
    }
    lock.lock();
    try {
      long mine = held.getOrDefault(owner, 0L);
      if (units < 0 || units > mine) {
        throw new IllegalStateException(
            "cannot release " + units + " units: " + owner + " holds " + mine);
      }
      if (mine == units) {
        held.remove(owner);
      } else {
        held.put(owner, mine - units);
      }
      inUse -= units;
      released.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Units in use by all owners together. */
  public long inUse() {
    lock.lock();
    try {
      return inUse;
    } finally {
      lock.unlock();
    }
  }

  /** Units {@code owner} holds. */
  public long heldBy(String owner) {
    lock.lock();
    try {
      return held.getOrDefault(owner, 0L);
    } finally {
      lock.unlock();
    }
  }

  private Outcome check(String owner, long units) {
    Objects.requireNonNull(owner, "owner");
    if (units < 0) {
      throw new IllegalArgumentException("units must not be negative, got " + units);
    }
    if (held.getOrDefault(owner, 0L) + units > perOwner) {
      return Outcome.OWNER_SHARE_TAKEN;
    }
    if (inUse + units > capacity) {
      return Outcome.EXHAUSTED;
    }
    return Outcome.GRANTED;
  }

  private void take(String owner, long units) {
    if (units > 0) {
      held.merge(owner, units, Long::sum);
      inUse += units;
    }
  }

  @Override
  public String toString() {
    return "FairShare[%d of %d in use, %d per owner]".formatted(inUse(), capacity, perOwner);
  }
}
