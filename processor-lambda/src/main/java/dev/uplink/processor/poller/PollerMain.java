package dev.uplink.processor.poller;

import dev.uplink.core.config.ConfigException;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.processor.ProcessorWiring;
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
 * Exit code 2: bad configuration.
 */
public final class PollerMain {

  private static final Logger log = LoggerFactory.getLogger(PollerMain.class);

  private PollerMain() {}

  public static void main(String[] args) throws InterruptedException {
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
    poller.awaitTermination();
    wiring.close();
    log.info("Processor stopped");
    System.exit(0);
  }
}
