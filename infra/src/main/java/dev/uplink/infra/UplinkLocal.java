package dev.uplink.infra;

import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.config.ConfigException;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.config.WebhookSettings;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.DestinationPolicy;
import dev.uplink.core.domain.TaskSealer;
import dev.uplink.processor.ProcessorWiring;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * {@code ./uplink local}: the whole pipeline on one machine. S3, SQS and DynamoDB run in-process
 * (their data under {@code UPLINK_DATA_DIR/aws}), the API listens on 127.0.0.1 only, and files go
 * to {@code UPLINK_INCUS_URL} if set, else to {@code UPLINK_DATA_DIR/instances}. With {@code
 * --emulators-only} ({@link #run(boolean) run(true)}) only the emulators run, provisioned as for
 * the whole pipeline: for {@code uplink api} and {@code uplink processor} started on their own, or
 * an API run from an IDE.
 */
public final class UplinkLocal {

  /** The API key the local stack accepts when {@code UPLINK_API_KEYS} is not set. */
  public static final String DEV_API_KEY = "local-dev-key";

  /** The operator key the local stack accepts when {@code UPLINK_OPERATOR_KEYS} is not set. */
  public static final String DEV_OPERATOR_KEY = "local-operator-key";

  /** The operator {@link #DEV_OPERATOR_KEY} stands for. */
  public static final String DEV_OPERATOR = "local";

  private static final String DEV_OWNER = "dev";

  private static final String LOOPBACK = "127.0.0.1";

  private UplinkLocal() {}

  public static void main(String[] args) throws InterruptedException {
    run(false);
  }

  /**
   * Runs the local stack until Ctrl+C or SIGTERM, then exits the JVM: everything, or with {@code
   * emulatorsOnly} S3, SQS and DynamoDB alone (provisioned, the lost messages of the last run
   * published again, and a banner whose {@code export} lines point the services at them).
   */
  public static void run(boolean emulatorsOnly) throws InterruptedException {
    UplinkConfig config;
    WebhookSettings webhooks;
    try {
      config = UplinkConfig.fromEnvironment();
      webhooks = WebhookSettings.forLocalStack(System.getenv());
    } catch (ConfigException e) {
      System.err.println("uplink: " + e.getMessage());
      System.exit(2);
      return;
    }
    DataDirectoryLock lock;
    try {
      lock = DataDirectoryLock.acquire(config.dataDir());
    } catch (IOException | IllegalStateException e) {
      System.err.println("uplink: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (!emulatorsOnly) {
      config = withDevelopmentKeys(config);
      try {
        config = withTaskSealKey(config);
      } catch (IOException e) {
        System.err.println(
            "uplink: cannot keep the task seal key under " + config.dataDir() + ": " + e);
        System.exit(2);
        return;
      }
    }
    var aws = LocalAws.start(config.dataDir().resolve("aws"), true);
    AwsClients clients = aws.clients(config.aws());
    config = config.withAws(clients.settings());
    new AwsProvisioner(clients).provision(config);
    // Before any work is taken: under the lock, every lease in the table is the dead run's (with
    // only the emulators too: the emulators' ports are new, so no service of the last run reaches
    // them).
    int released = ProcessorWiring.releaseLeasesOfDeadRun(config, clients);
    LocalPipeline pipeline =
        emulatorsOnly ? null : LocalPipeline.start(config, clients, LOOPBACK, webhooks);
    // The tasks survive a crash on disk, their messages do not (SQS is in memory): without this a
    // backlog left by a killed stack would wait UPLINK_RECONCILE_AFTER for the reconciler.
    int republished = ProcessorWiring.republishAfterRestart(config, clients);
    if (republished > 0) {
      System.err.printf(
          "Re-queued %d unfinished task(s) from the last run (%d of them interrupted mid-push).%n",
          republished, released);
    }
    var stopped = new CountDownLatch(1);
    var stopping = new AtomicBoolean();
    Runnable stop =
        () -> {
          if (stopping.compareAndSet(false, true)) {
            try {
              if (pipeline != null) {
                pipeline.close();
              }
              clients.close();
              aws.close();
              lock.close();
            } catch (IOException e) {
              System.err.println("uplink: cannot release " + DataDirectoryLock.FILE + ": " + e);
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
    // Standard output is for log lines only (JSON by default, for jq); the banner is for people.
    System.err.println(
        pipeline == null
            ? new EmulatorsBanner(config).text()
            : new LocalBanner(config, pipeline.baseUri()).text());
    stopped.await();
    System.exit(0);
  }

  /** Where the local stack keeps the task seal key it generated, under its data directory. */
  static final String SEAL_KEY_FILE = "task-seal.key";

  /**
   * {@code config} sealing and checking tasks with a key the API and the in-process processor
   * share: {@code UPLINK_TASK_SEAL_KEY} if set, else the key in {@code UPLINK_DATA_DIR/}{@value
   * #SEAL_KEY_FILE}, generated (32 random bytes, hex, readable by the owner only) on the first
   * start. Kept, not generated anew each start, because the stack's tasks outlive a restart (its
   * DynamoDB keeps them on disk): a new key would refuse every task still waiting.
   */
  static UplinkConfig withTaskSealKey(UplinkConfig config) throws IOException {
    if (config.security().sealer().isPresent()) {
      return config;
    }
    Path file = config.dataDir().resolve(SEAL_KEY_FILE);
    if (!Files.exists(file)) {
      Files.createDirectories(config.dataDir());
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      Path fresh = Files.createTempFile(config.dataDir(), SEAL_KEY_FILE, ".tmp");
      try {
        Files.setPosixFilePermissions(fresh, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: the directory's own permissions protect it
      }
      Files.writeString(fresh, HexFormat.of().formatHex(random) + "\n");
      try {
        Files.move(fresh, file); // never over a key another start wrote meanwhile
      } catch (FileAlreadyExistsException e) {
        // that one wins
      } finally {
        Files.deleteIfExists(fresh);
      }
    }
    String key = Files.readString(file).strip();
    try {
      return config.withSecurity(config.security().withSealer(TaskSealer.of(key)));
    } catch (IllegalArgumentException e) {
      throw new IOException(file + " does not hold a usable key (" + e.getMessage() + ")", e);
    }
  }

  /**
   * {@code config} with the development keys where the environment sets none: {@link #DEV_API_KEY}
   * (owner dev, any destination) without user keys, {@link #DEV_OPERATOR_KEY} without operator
   * keys. Either kind set in the environment replaces only its own default.
   */
  static UplinkConfig withDevelopmentKeys(UplinkConfig config) {
    var callers = new LinkedHashMap<String, Caller>(config.apiKeys());
    if (callers.values().stream().allMatch(Caller::operator)) {
      callers.putIfAbsent(DEV_API_KEY, new Caller(DEV_OWNER, DestinationPolicy.allowAll()));
    }
    if (callers.values().stream().noneMatch(Caller::operator)) {
      callers.putIfAbsent(DEV_OPERATOR_KEY, Caller.operator(DEV_OPERATOR));
    }
    return config.withCallers(callers);
  }
}
