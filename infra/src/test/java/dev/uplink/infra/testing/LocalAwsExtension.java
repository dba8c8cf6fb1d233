package dev.uplink.infra.testing;

import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.config.AwsSettings;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.infra.AwsProvisioner;
import dev.uplink.infra.LocalAws;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Real S3, SQS and DynamoDB emulators for a test class: one {@link LocalAws} per JVM (started on
 * first use, stopped when the whole test run ends), and per test class its own freshly provisioned
 * bucket, queues and table under unique names, so classes never see each other's data.
 *
 * <pre>{@code
 * @RegisterExtension static final LocalAwsExtension aws = LocalAwsExtension.create();
 *
 * @Test void something() {
 *   var store = new DynamoDbTaskStore(aws.clients().dynamoDb(), aws.settings().table());
 * }
 * }</pre>
 *
 * Register it on a {@code static} field: resources live for the class, and are ready before the
 * class's own {@code @BeforeAll} methods run. Test methods and constructors may also take an {@link
 * AwsClients}, {@link AwsSettings}, {@link UplinkConfig} or {@link LocalAws} parameter.
 */
public final class LocalAwsExtension
    implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(LocalAwsExtension.class);

  private final Duration visibilityTimeout;
  private final int maxReceiveCount;

  private String ownerId;
  private LocalAws localAws;
  private AwsClients clients;
  private AwsProvisioner.Resources resources;
  private UplinkConfig config;

  private LocalAwsExtension(Duration visibilityTimeout, int maxReceiveCount) {
    this.visibilityTimeout = visibilityTimeout;
    this.maxReceiveCount = maxReceiveCount;
  }

  /** Work queue with a 30 s visibility timeout and a redrive to the DLQ after 3 receives. */
  public static LocalAwsExtension create() {
    return new LocalAwsExtension(Duration.ofSeconds(30), 3);
  }

  /** Other queue settings, e.g. a short visibility timeout for redelivery tests. */
  public static LocalAwsExtension create(Duration visibilityTimeout, int maxReceiveCount) {
    return new LocalAwsExtension(visibilityTimeout, maxReceiveCount);
  }

  /**
   * The emulators this JVM shares, started on the first call and stopped when the test run ends.
   */
  public static LocalAws shared(ExtensionContext context) {
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(LocalAws.class, key -> startShared(), LocalAws.class);
  }

  private static LocalAws startShared() {
    try {
      Path dataDir = Files.createTempDirectory("uplink-local-aws-");
      dataDir.toFile().deleteOnExit();
      return LocalAws.start(dataDir, false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    if (ownerId != null) {
      return; // a @Nested class: it shares its enclosing class's resources
    }
    ownerId = context.getUniqueId();
    localAws = shared(context);
    String prefix = uniquePrefix(context.getRequiredTestClass());
    AwsSettings base =
        new AwsSettings(
            "us-east-1",
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            prefix,
            prefix + "-tasks",
            prefix + "-dlq",
            prefix + "-tasks");
    clients = localAws.clients(base);
    resources = new AwsProvisioner(clients).provision(visibilityTimeout, maxReceiveCount);
    config = defaultConfig(clients.settings());
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (!context.getUniqueId().equals(ownerId)) {
      return;
    }
    try {
      if (clients != null) {
        clients.close();
      }
      if (config != null) {
        deleteRecursively(config.dataDir());
      }
    } finally {
      ownerId = null;
      clients = null;
      resources = null;
      config = null;
    }
  }

  /** Clients signed with the emulator key, for this class's resources. */
  public AwsClients clients() {
    return require(clients);
  }

  /** This class's region, endpoints and resource names. */
  public AwsSettings settings() {
    return clients().settings();
  }

  /** This class's queue URLs and DLQ ARN. */
  public AwsProvisioner.Resources resources() {
    return require(resources);
  }

  /**
   * A complete configuration on this class's resources: port 0 (any free port), no API keys, the
   * local directory target, 5 MiB parts, 4 workers, this extension's queue settings, the default
   * processing settings, and a data directory of its own. Adjust with the {@code with...} methods.
   */
  public UplinkConfig config() {
    return require(config);
  }

  /** The shared emulators. */
  public LocalAws localAws() {
    return require(localAws);
  }

  public Duration visibilityTimeout() {
    return visibilityTimeout;
  }

  public int maxReceiveCount() {
    return maxReceiveCount;
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == AwsClients.class
        || type == AwsSettings.class
        || type == UplinkConfig.class
        || type == LocalAws.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    if (type == AwsClients.class) {
      return clients();
    }
    if (type == AwsSettings.class) {
      return settings();
    }
    if (type == UplinkConfig.class) {
      return config();
    }
    return localAws();
  }

  private UplinkConfig defaultConfig(AwsSettings settings) {
    try {
      Path dataDir = Files.createTempDirectory("uplink-test-data-");
      return UplinkConfig.of(settings, dataDir, visibilityTimeout, maxReceiveCount);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A name valid for a bucket, a queue and a table alike: lowercase letters, digits and hyphens,
   * short enough for S3's 63 characters with the suffixes added.
   */
  private static String uniquePrefix(Class<?> testClass) {
    String name = testClass.getSimpleName().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
    if (name.length() > 40) {
      name = name.substring(0, 40);
    }
    byte[] random = new byte[4];
    ThreadLocalRandom.current().nextBytes(random);
    return "t-" + name + "-" + HexFormat.of().formatHex(random);
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static <T> T require(T value) {
    if (value == null) {
      throw new IllegalStateException(
          "LocalAwsExtension is not active: register it on a static field with @RegisterExtension"
              + " and use it from tests or @BeforeAll methods");
    }
    return value;
  }
}
