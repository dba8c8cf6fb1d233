package dev.uplink.api.http;

import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code /healthz}, {@code /readyz} and {@code /metrics}: for load balancers, orchestrators and
 * scrapers, so they need no API key. They reveal no task and no secret: whether the process runs,
 * which dependency fails and why, and aggregate counters.
 */
final class ProbeRoutes {

  static final String HEALTH = "/healthz";
  static final String READY = "/readyz";
  static final String METRICS = "/metrics";

  /** The paths that need no API key. */
  static final List<String> PUBLIC = List.of(HEALTH, READY, METRICS);

  private static final String OPENMETRICS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final Probes probes;

  ProbeRoutes(Probes probes) {
    this.probes = probes;
  }

  /** The process runs and answers. */
  void health(Context ctx) {
    ctx.json(Map.of("status", "up"));
  }

  /** Every check at once, each bounded by the timeout: 200, or 503 naming the ones that failed. */
  void ready(Context ctx) {
    Map<String, String> results = new LinkedHashMap<>();
    try (ExecutorService checks = Executors.newVirtualThreadPerTaskExecutor()) {
      var running = new LinkedHashMap<String, Future<?>>();
      for (Probes.ReadinessCheck check : probes.readiness()) {
        running.put(
            check.name(),
            checks.submit(
                () -> {
                  check.check().run();
                  return null;
                }));
      }
      long deadline = System.nanoTime() + probes.checkTimeout().toNanos();
      running.forEach((name, future) -> results.put(name, outcome(future, deadline)));
      running.values().forEach(future -> future.cancel(true));
    }
    Map<String, String> failed = new LinkedHashMap<>(results);
    failed.values().removeIf("ok"::equals);
    if (failed.isEmpty()) {
      ctx.json(Map.of("status", "ready", "checks", results));
      return;
    }
    throw ProblemException.notReady(failed, results);
  }

  private static String outcome(Future<?> future, long deadlineNanos) {
    try {
      future.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
      return "ok";
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

  /** The counters in Prometheus' text format, or 404 where this process keeps none. */
  void metrics(Context ctx) {
    String text =
        probes
            .metrics()
            .orElseThrow(() -> ProblemException.notFound("This process keeps no metrics"))
            .get();
    ctx.contentType(OPENMETRICS_TEXT).result(text);
  }
}
