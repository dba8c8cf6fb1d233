package dev.uplink.infra;

import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.config.ConfigException;
import dev.uplink.core.config.UplinkConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * {@code ./uplink local}: the whole pipeline on one machine. S3, SQS and DynamoDB run in-process
 * (their data under {@code UPLINK_DATA_DIR/aws}), the API listens on 127.0.0.1 only, and files go
 * to {@code UPLINK_INCUS_URL} if set, else to {@code UPLINK_DATA_DIR/instances}.
 */
public final class UplinkLocal {

  /** The API key the local stack accepts when {@code UPLINK_API_KEYS} is not set. */
  public static final String DEV_API_KEY = "local-dev-key";

  private static final String LOOPBACK = "127.0.0.1";

  private UplinkLocal() {}

  public static void main(String[] args) throws InterruptedException {
    UplinkConfig config;
    try {
      config = UplinkConfig.fromEnvironment();
    } catch (ConfigException e) {
      System.err.println("uplink: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (config.apiKeys().isEmpty()) {
      config = config.withApiKeys(Map.of(DEV_API_KEY, "dev"));
    }
    var aws = LocalAws.start(config.dataDir().resolve("aws"), true);
    AwsClients clients = aws.clients(config.aws());
    config = config.withAws(clients.settings());
    new AwsProvisioner(clients).provision(config);
    var pipeline = LocalPipeline.start(config, clients, LOOPBACK);
    var stopped = new CountDownLatch(1);
    var stopping = new AtomicBoolean();
    Runnable stop =
        () -> {
          if (stopping.compareAndSet(false, true)) {
            try {
              pipeline.close();
              clients.close();
              aws.close();
            } finally {
              stopped.countDown();
            }
          }
        };
    // Ctrl+C and SIGTERM stop everything in order and exit 0, like the container-mode poller; a
    // shutdown hook alone would make the JVM exit 143. Any other way out still stops cleanly.
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(
          new Signal(name), signal -> Thread.ofPlatform().name("uplink-stop").start(stop));
    }
    Runtime.getRuntime().addShutdownHook(new Thread(stop, "uplink-shutdown"));
    System.out.println(banner(config, pipeline));
    stopped.await();
    System.exit(0);
  }

  static String banner(UplinkConfig config, LocalPipeline pipeline) {
    String keys =
        config.apiKeys().containsKey(DEV_API_KEY)
            ? "API key:   "
                + DEV_API_KEY
                + "   (owner dev, any destination; local only; set UPLINK_API_KEYS to choose)"
            : "API keys:  from UPLINK_API_KEYS (" + config.apiKeys().size() + " configured)";
    Path dataDir = config.dataDir().toAbsolutePath().normalize();
    String target =
        config
            .incus()
            .map(incus -> "Files go:  into Incus at " + incus.url())
            .orElse(
                "Files go:  "
                    + dataDir.resolve("instances")
                    + "/NAME/PATH   (directory target; set UPLINK_INCUS_URL for Incus)");
    return String.join(
        System.lineSeparator(),
        "",
        "Uplink is running locally.",
        "  API:       " + pipeline.baseUri() + "/v1/uploads",
        "  Web:       " + pipeline.baseUri() + "/   (sign in with an API key)",
        "  " + keys,
        "  " + target,
        "  AWS:       in-process S3 "
            + config.aws().s3Endpoint().orElseThrow()
            + ", SQS "
            + config.aws().sqsEndpoint().orElseThrow()
            + ", DynamoDB "
            + config.aws().dynamoDbEndpoint().orElseThrow(),
        "  Data:      " + dataDir.resolve("aws"),
        "Press Ctrl+C to stop.",
        "");
  }
}
