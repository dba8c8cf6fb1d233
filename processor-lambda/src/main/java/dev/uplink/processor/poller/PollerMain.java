package dev.uplink.processor.poller;

import dev.uplink.core.config.ConfigException;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.processor.MeterPushMetrics;
import dev.uplink.processor.ProcessorWiring;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Container mode: the processor as a long-running SQS poller, configured from the environment
 * (README's configuration table), with the reconciler on a timer.
 *
 * <p>SIGTERM (or SIGINT) stops receiving at once, lets pushes in flight finish within {@code
 * UPLINK_SHUTDOWN_GRACE}, gives the rest back (tasks PENDING, messages visible), and exits 0. The
 * receiver runs on a virtual (daemon) thread, so {@code main} blocks until the poller has stopped.
 * Exit code 2: bad configuration, or {@code UPLINK_METRICS_PORT} cannot be bound.
 *
 * <p>With {@code UPLINK_METRICS_PORT} set, it serves {@code /metrics}, {@code /healthz} and {@code
 * /readyz} on that port, on every interface, since probes and scrapers come from outside the
 * container ({@link MonitoringServer}); {@code /healthz} turns 503 as soon as a stop begins.
 */
public final class PollerMain {

  private static final Logger log = LoggerFactory.getLogger(PollerMain.class);

  private PollerMain() {}

  public static void main(String[] args) throws InterruptedException {
    System.exit(run(System.getenv()));
  }

  /**
   * Runs the poller configured by {@code env} until SIGTERM or SIGINT ({@code uplink processor}
   * calls this), and returns the exit code: 0 once stopped, 2 for a bad configuration or an
   * unusable {@code UPLINK_METRICS_PORT} (said in one line on stderr).
   */
  public static int run(Map<String, String> env) throws InterruptedException {
    UplinkConfig config;
    try {
      config = UplinkConfig.fromEnvironment(env);
    } catch (ConfigException e) {
      System.err.println("uplink-processor: " + e.getMessage());
      return 2;
    }
    var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    var wiring = ProcessorWiring.create(config, new MeterPushMetrics(registry));
    RemoteReachability.register(registry, wiring.target(), wiring.worker().circuits());
    var poller = wiring.poller();
    Optional<MonitoringServer> monitoring;
    try {
      // Before receiving: a port that cannot be bound stops the start before any work is taken.
      monitoring = serveMonitoring(config, wiring, poller, registry);
    } catch (UncheckedIOException e) {
      System.err.println("uplink-processor: " + e.getMessage() + ": " + e.getCause().getMessage());
      wiring.close();
      return 2;
    }
    Runnable stop =
        () -> {
          log.info("Stop requested");
          poller.close();
        };
    // A handler instead of a shutdown hook: the JVM would exit 143 after the hooks; we exit 0.
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(
          new Signal(name), signal -> Thread.ofPlatform().name("uplink-stop").start(stop));
    }
    // Any other way out (System.exit elsewhere, SIGHUP) still gives the work back.
    Runtime.getRuntime().addShutdownHook(new Thread(poller::close, "uplink-processor-shutdown"));
    poller.start();
    log.info(
        "Processor polling {} (up to {} workers, {} per host, pushing to {}{})",
        config.aws().queue(),
        config.workers(),
        config.processing().perHostWorkers(),
        config
            .incus()
            .map(incus -> incus.url().toString())
            .orElse("the directory " + config.dataDir()),
        config.remotes().names().isEmpty() ? "" : " and the remotes " + config.remotes());
    poller.awaitTermination();
    monitoring.ifPresent(MonitoringServer::close);
    wiring.close();
    log.info("Processor stopped");
    return 0;
  }

  /** The probes and metrics on {@code UPLINK_METRICS_PORT}; empty when it is not set. */
  private static Optional<MonitoringServer> serveMonitoring(
      UplinkConfig config,
      ProcessorWiring wiring,
      SqsPoller poller,
      PrometheusMeterRegistry registry) {
    var port = config.processing().metricsPort();
    if (port.isEmpty()) {
      return Optional.empty();
    }
    var monitoring =
        MonitoringServer.start(
            new InetSocketAddress(port.getAsInt()),
            poller::isRunning,
            wiring.readiness(),
            registry::scrape);
    log.info("Serving /metrics, /healthz and /readyz on port {}", monitoring.port());
    return Optional.of(monitoring);
  }
}
