package dev.uplink.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * How the small-task benchmark's work arrives: closed loop (a fixed number of clients, each sending
 * its next as soon as the last is done) or open loop (at a fixed rate, whatever came before).
 */
final class Arrivals {

  private final int concurrency;
  private double maxLagMs;

  Arrivals(int concurrency) {
    this.concurrency = concurrency;
  }

  /** How late, at worst, an open-loop task started after it was due, in milliseconds. */
  double maxLagMs() {
    return maxLagMs;
  }

  /**
   * Runs {@code task} for 0..n-1, the i-th due at i / perSecond seconds from now, each on a virtual
   * thread of its own; {@code due[i]} is set to when it was due. Returns once all have finished.
   */
  void openLoop(int n, double perSecond, Instant[] due, IntConsumer task) {
    long period = Math.round(1e9 / perSecond);
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>(n);
    Instant wallStart = Instant.now();
    long start = System.nanoTime();
    double lagMs = 0;
    for (int i = 0; i < n && failure.get() == null; i++) {
      long dueNanos = start + i * period;
      for (long wait; (wait = dueNanos - System.nanoTime()) > 0; ) {
        LockSupport.parkNanos(wait);
      }
      lagMs = Math.max(lagMs, (System.nanoTime() - dueNanos) / 1e6);
      due[i] = wallStart.plusNanos(i * period);
      int index = i;
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      task.accept(index);
                    } catch (RuntimeException e) {
                      failure.compareAndSet(null, e);
                    }
                  }));
    }
    join(threads);
    if (failure.get() != null) {
      throw failure.get();
    }
    maxLagMs = Math.max(maxLagMs, lagMs);
  }

  /** Runs {@code task} for 0..n-1 on {@code concurrency} virtual threads. */
  void concurrently(int n, IntConsumer task) {
    AtomicInteger next = new AtomicInteger();
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < concurrency; t++) {
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    int i;
                    while (failure.get() == null && (i = next.getAndIncrement()) < n) {
                      try {
                        task.accept(i);
                      } catch (RuntimeException e) {
                        failure.compareAndSet(null, e);
                      }
                    }
                  }));
    }
    join(threads);
    if (failure.get() != null) {
      throw failure.get();
    }
  }

  private static void join(List<Thread> threads) {
    for (Thread thread : threads) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}
