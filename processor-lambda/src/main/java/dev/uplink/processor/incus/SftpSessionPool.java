package dev.uplink.processor.incus;

import dev.uplink.processor.PushException;
import dev.uplink.processor.incus.sftp.SftpSession;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Idle SFTP sessions to one Incus server, per instance (a project and a name: the same name in two
 * projects is two instances), shared by the workers: a push borrows one (or opens one) and gives it
 * back when done. A session idle longer than the idle timeout is closed (incusd keeps a helper
 * process per session), a broken one is never given back, and at most {@code maxIdlePerInstance}
 * wait per instance. How many are in use at once is the per-host cap's business (the worker's
 * {@code HostLimiter}), not the pool's.
 */
final class SftpSessionPool implements AutoCloseable {

  /** Opens a new session into an instance. */
  @FunctionalInterface
  interface Opener {
    SftpSession open(IncusInstance instance) throws PushException;
  }

  /** A session lent out; {@code reused} says whether it sat idle in the pool before. */
  record Lease(IncusInstance instance, SftpSession session, boolean reused) {}

  private record Idle(SftpSession session, long since) {}

  private final Opener opener;
  private final long idleTimeoutNanos;
  private final int maxIdlePerInstance;
  private final LongSupplier nanoTime;
  private final Map<IncusInstance, Deque<Idle>> idle = new HashMap<>();
  private boolean closed;

  SftpSessionPool(
      Opener opener, Duration idleTimeout, int maxIdlePerInstance, LongSupplier nanoTime) {
    this.opener = opener;
    this.idleTimeoutNanos = idleTimeout.toNanos();
    this.maxIdlePerInstance = maxIdlePerInstance;
    this.nanoTime = nanoTime;
  }

  /** An idle session into {@code instance}, or a new one. */
  Lease borrow(IncusInstance instance) throws PushException {
    Optional<SftpSession> reused = takeIdle(instance);
    if (reused.isPresent()) {
      return new Lease(instance, reused.get(), true);
    }
    return new Lease(instance, opener.open(instance), false);
  }

  /** A fresh session, for when a reused one turned out to be dead. */
  Lease reopen(Lease dead) throws PushException {
    dead.session().close();
    return new Lease(dead.instance(), opener.open(dead.instance()), false);
  }

  /** Takes the session back for reuse, unless it broke (then it is closed). */
  void giveBack(Lease lease) {
    SftpSession session = lease.session();
    if (session.isBroken()) {
      session.close();
      return;
    }
    List<SftpSession> surplus = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        surplus.add(session);
      } else {
        Deque<Idle> waiting = idle.computeIfAbsent(lease.instance(), i -> new ArrayDeque<>());
        waiting.push(new Idle(session, nanoTime.getAsLong()));
        while (waiting.size() > maxIdlePerInstance) {
          surplus.add(waiting.removeLast().session());
        }
        surplus.addAll(expired());
      }
    }
    surplus.forEach(SftpSession::close);
  }

  /** How many sessions wait idle (for tests and metrics). */
  synchronized int idleCount() {
    return idle.values().stream().mapToInt(Deque::size).sum();
  }

  @Override
  public void close() {
    List<SftpSession> all = new ArrayList<>();
    synchronized (this) {
      closed = true;
      idle.values().forEach(waiting -> waiting.forEach(i -> all.add(i.session())));
      idle.clear();
    }
    all.forEach(SftpSession::close);
  }

  private Optional<SftpSession> takeIdle(IncusInstance instance) {
    List<SftpSession> stale;
    SftpSession found = null;
    synchronized (this) {
      stale = expired();
      Deque<Idle> waiting = idle.get(instance);
      if (waiting != null && !waiting.isEmpty()) {
        found = waiting.pop().session(); // the most recently used: least likely to be stale
      }
    }
    stale.forEach(SftpSession::close);
    return Optional.ofNullable(found);
  }

  /** Removes and returns the sessions idle past the timeout. Call with the lock held. */
  private List<SftpSession> expired() {
    long now = nanoTime.getAsLong();
    List<SftpSession> stale = new ArrayList<>();
    for (Iterator<Deque<Idle>> it = idle.values().iterator(); it.hasNext(); ) {
      Deque<Idle> waiting = it.next();
      while (!waiting.isEmpty() && now - waiting.peekLast().since() > idleTimeoutNanos) {
        stale.add(waiting.removeLast().session());
      }
      if (waiting.isEmpty()) {
        it.remove();
      }
    }
    return stale;
  }
}
