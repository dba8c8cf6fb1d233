package dev.uplink.core.health;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The readiness checks of a process and how long each may take. {@link #check()} runs them all at
 * once, each on a virtual thread, so one dependency that hangs costs the probe at most the timeout,
 * not the sum.
 *
 * @param checks what must answer for the process to be ready, in the order reports list them
 * @param timeout how long one check may take before it counts as failed
 */
public record Readiness(List<ReadinessCheck> checks, Duration timeout) {

  /** What the README promises: each check answers within 2 s or counts as failed. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

  /** Nothing to check: always ready. */
  public static final Readiness NONE = new Readiness(List.of(), DEFAULT_TIMEOUT);

  public Readiness {
    checks = List.copyOf(checks);
    Objects.requireNonNull(timeout, "timeout");
  }

  /** Runs every check at once and waits at most {@link #timeout} for all of them together. */
  public ReadinessReport check() {
    Map<String, String> results = new LinkedHashMap<>();
    try (ExecutorService running = Executors.newVirtualThreadPerTaskExecutor()) {
      var futures = new LinkedHashMap<String, Future<?>>();
      for (ReadinessCheck check : checks) {
        futures.put(
            check.name(),
            running.submit(
                () -> {
                  check.check().run();
                  return null;
                }));
      }
      long deadline = System.nanoTime() + timeout.toNanos();
      futures.forEach((name, future) -> results.put(name, outcome(future, deadline)));
      // A check past its deadline is interrupted, so closing the executor does not wait for it.
      futures.values().forEach(future -> future.cancel(true));
    }
    return new ReadinessReport(results);
  }

  private static String outcome(Future<?> future, long deadlineNanos) {
    try {
      future.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
      return ReadinessReport.OK;
    } catch (TimeoutException e) {
      return "no answer within the check timeout";
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      String message = cause.getMessage();
      return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }
}
