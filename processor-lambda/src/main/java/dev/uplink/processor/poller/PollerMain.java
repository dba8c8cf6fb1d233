package dev.uplink.processor.poller;

import dev.uplink.core.config.ConfigException;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.processor.ProcessorWiring;

/**
 * Container mode: the processor as a long-running SQS poller, configured from the environment
 * (README's configuration table). Stops receiving on SIGTERM and lets pushes in flight finish.
 */
public final class PollerMain {

  private PollerMain() {}

  public static void main(String[] args) {
    UplinkConfig config;
    try {
      config = UplinkConfig.fromEnvironment();
    } catch (ConfigException e) {
      System.err.println("uplink-processor: " + e.getMessage());
      System.exit(2);
      return;
    }
    var wiring = ProcessorWiring.create(config);
    var poller = wiring.poller();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  poller.close();
                  wiring.close();
                },
                "uplink-processor-shutdown"));
    poller.start(); // a non-daemon thread keeps the JVM running until SIGTERM
  }
}
