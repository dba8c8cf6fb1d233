package dev.uplink.processor.poller;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.uplink.core.health.MetricsFormat;
import dev.uplink.core.health.MetricsSource;
import dev.uplink.core.health.ProbeAnswer;
import dev.uplink.core.health.Readiness;
import dev.uplink.core.health.ReadinessReport;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The container-mode poller's probes and metrics ({@code UPLINK_METRICS_PORT}), on the JDK's
 * built-in HTTP server (the Lambda package carries no web server), each request on a virtual
 * thread. The answers are the upload API's, from core's {@link ProbeAnswer}:
 *
 * <ul>
 *   <li>{@code GET /healthz}: 200 {@code {"status":"up"}} while the poller receives messages; 503
 *       once it has stopped (shutting down, or its receive loop died), so an orchestrator restarts
 *       it.
 *   <li>{@code GET /readyz}: 200 when every check passes, else 503 {@code not-ready}; which check
 *       failed and why goes to the log, not to the caller (this port has no keys).
 *   <li>{@code GET /metrics}: Prometheus text, or OpenMetrics when {@code Accept} asks for it.
 * </ul>
 *
 * <p>No key, like the API's probes: nothing here names a task, a secret or a host. Other paths are
 * 404, other methods 405, as problems.
 */
public final class MonitoringServer implements AutoCloseable {

  static final String HEALTH = "/healthz";
  static final String READY = "/readyz";
  static final String METRICS = "/metrics";

  private static final Logger log = LoggerFactory.getLogger(MonitoringServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration REPEAT_NOT_READY = Duration.ofMinutes(1);

  private final HttpServer server;
  private final ExecutorService threads;
  private final BooleanSupplier receiving;
  private final Readiness readiness;
  private final MetricsSource metrics;
  private String lastSummary;
  private Instant lastLogged = Instant.EPOCH;

  private MonitoringServer(
      HttpServer server,
      ExecutorService threads,
      BooleanSupplier receiving,
      Readiness readiness,
      MetricsSource metrics) {
    this.server = server;
    this.threads = threads;
    this.receiving = receiving;
    this.readiness = readiness;
    this.metrics = metrics;
  }

  /**
   * Starts serving on {@code address} (port 0: any free port).
   *
   * @param receiving whether the poller still receives messages ({@code /healthz})
   * @param readiness what {@code /readyz} checks
   * @param metrics what {@code /metrics} shows
   * @throws UncheckedIOException if the address cannot be bound
   */
  public static MonitoringServer start(
      InetSocketAddress address,
      BooleanSupplier receiving,
      Readiness readiness,
      MetricsSource metrics) {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(receiving, "receiving");
    Objects.requireNonNull(readiness, "readiness");
    Objects.requireNonNull(metrics, "metrics");
    HttpServer server;
    try {
      server = HttpServer.create(address, 0);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot serve /metrics, /healthz and /readyz on " + address + " (UPLINK_METRICS_PORT)",
          e);
    }
    ExecutorService threads =
        Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("uplink-monitoring-", 0).factory());
    var monitoring = new MonitoringServer(server, threads, receiving, readiness, metrics);
    server.setExecutor(threads);
    server.createContext("/", monitoring::handle);
    server.start();
    return monitoring;
  }

  /** The port it listens on. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Stops at once: a probe in progress is cut off, which a prober treats as a failure anyway. */
  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      boolean known = path.equals(HEALTH) || path.equals(READY) || path.equals(METRICS);
      if (!known) {
        send(exchange, ProbeAnswer.problem(404, "Not Found", "No such resource"));
      } else if (!exchange.getRequestMethod().equals("GET")) {
        exchange.getResponseHeaders().set("Allow", "GET");
        send(
            exchange,
            ProbeAnswer.problem(
                405,
                "Method Not Allowed",
                exchange.getRequestMethod() + " is not allowed here; allowed: GET"));
      } else if (path.equals(HEALTH)) {
        send(
            exchange,
            receiving.getAsBoolean()
                ? ProbeAnswer.up()
                : ProbeAnswer.down("The poller has stopped receiving messages"));
      } else if (path.equals(READY)) {
        send(exchange, readiness());
      } else {
        MetricsFormat format =
            MetricsFormat.forAccept(exchange.getRequestHeaders().getFirst("Accept"));
        send(
            exchange,
            200,
            format.contentType(),
            metrics.scrape(format.contentType()).getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException | RuntimeException e) {
      // The JDK server would drop the exchange silently: say which request failed.
      log.warn("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI().getPath(), e);
      throw e;
    }
  }

  /**
   * The readiness answer without the failed checks' names and reasons: this port has no keys, and
   * those reasons name hosts and endpoints. They go to the log instead, once for each change (a
   * probe every few seconds must not flood it) and again every {@link #REPEAT_NOT_READY}.
   */
  private ProbeAnswer readiness() {
    ReadinessReport report = readiness.check();
    String summary = report.ready() ? null : report.failureSummary();
    synchronized (this) {
      Instant now = Instant.now();
      boolean changed = !Objects.equals(summary, lastSummary);
      if (summary != null
          && (changed || Duration.between(lastLogged, now).compareTo(REPEAT_NOT_READY) >= 0)) {
        log.warn("/readyz: {}", summary);
        lastLogged = now;
      }
      lastSummary = summary;
    }
    return ProbeAnswer.readiness(report).withoutDetails("The poller's log says which, and why");
  }

  private static void send(HttpExchange exchange, ProbeAnswer answer) throws IOException {
    answer.headers().forEach(exchange.getResponseHeaders()::set);
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(answer.body());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot encode a probe answer as JSON", e);
    }
    send(exchange, answer.status(), answer.mediaType(), body);
  }

  private static void send(HttpExchange exchange, int status, String contentType, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
