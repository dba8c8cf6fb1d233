package dev.uplink.cli;

import dev.uplink.api.http.ApiServer;
import dev.uplink.core.config.ConfigException;
import dev.uplink.core.config.ListenAddress;
import dev.uplink.core.config.UplinkConfig;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code uplink api}: the upload API as a long-running service ({@link ApiServer}), configured by
 * the environment the Lambda functions get, until SIGTERM or Ctrl+C.
 */
@Command(
    name = "api",
    mixinStandardHelpOptions = true,
    description = {
      "Run the upload API as a service until SIGTERM or Ctrl+C: every route, the operators'"
          + " endpoints, the web page, /healthz, /readyz, /metrics, and the sweep of presigned"
          + " uploads. It listens on $UPLINK_LISTEN (HOST:PORT, default 127.0.0.1:8080).",
      "Configured like the Lambda functions: UPLINK_API_KEYS, UPLINK_OPERATOR_KEYS, UPLINK_BUCKET,"
          + " UPLINK_QUEUE, UPLINK_DLQ, UPLINK_TABLE, AWS_REGION, the endpoint overrides, the task"
          + " seal key and every UPLINK_* variable of the README's configuration table; AWS"
          + " credentials from the SDK's usual chain. It starts no emulator (that is uplink local).",
      "On SIGTERM it takes no new request and lets those in progress finish within"
          + " $UPLINK_SHUTDOWN_GRACE seconds (30), then exits 0.",
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:stopped (SIGTERM or Ctrl+C)",
      "1:could not start (the address is taken, AWS refused)",
      "2:usage error, or an UPLINK_* variable is wrong"
    })
final class ApiCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    Map<String, String> variables = UplinkCommand.environmentOf(spec).variables();
    UplinkConfig config;
    ListenAddress listen;
    try {
      config = UplinkConfig.fromEnvironment(variables);
      listen = ListenAddress.fromEnvironment(variables);
    } catch (ConfigException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (config.apiKeys().isEmpty()) {
      throw new ParameterException(
          spec.commandLine(),
          "UPLINK_API_KEYS (or UPLINK_API_KEYS_SECRET) is required: without a key nobody can"
              + " upload");
    }
    StopSignal stop = StopSignal.install();
    ApiServer server;
    try {
      server = ApiServer.start(config, listen, Optional.of(metrics()::scrape));
    } catch (RuntimeException e) {
      throw new CliException("cannot start the API on " + listen + ": " + e.getMessage(), e);
    }
    // Standard output is for the log lines (JSON for collectors); this is for the person.
    spec.commandLine()
        .getErr()
        .printf("Uplink API on %s (SIGTERM or Ctrl+C stops it)%n", server.baseUri())
        .flush();
    stop.await();
    server.close();
    return 0;
  }

  /** The process's own meters (memory, GC, threads, CPU, uptime) for {@code /metrics}. */
  private static PrometheusMeterRegistry metrics() {
    var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry); // lives as long as the process
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    return registry;
  }
}
