package dev.uplink.core.config;

import static dev.uplink.core.config.Setting.seconds;
import static dev.uplink.core.config.Setting.wholeNumber;

import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.DestinationPolicy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Every setting of Uplink. {@link #fromEnvironment} reads them: each record reads its own variables
 * as {@link Setting}s (name, accepted values, default) through one {@link Environment}, the only
 * place a variable is looked up. Each variable is documented in README.md's configuration table.
 *
 * @param port HTTP port of the upload API
 * @param apiKeys API key to the caller it speaks for (owner and destination policy, or an
 *     operator); a request must present one of these keys
 * @param incus the Incus server to push to; empty means the local directory target
 * @param aws where S3, SQS and DynamoDB are and which resources to use
 * @param partSizeBytes multipart part size: the memory one upload or push holds at most
 * @param workers how many pushes one poller runs at once
 * @param visibilityTimeout how long a received message stays invisible to other consumers
 * @param maxReceiveCount receives before SQS moves a message to the dead-letter queue
 * @param dataDir where the local stack keeps its emulator data and the directory target
 * @param processing retries, heartbeats, shutdown, reconciliation and cleanup
 * @param api the upload API's limits
 * @param security the task seal and the deployment-wide destination allow-list
 * @param remotes the Incus remotes besides the default one ({@code UPLINK_INCUS_REMOTES}); when one
 *     of them is the default remote ({@code UPLINK_INCUS_DEFAULT_REMOTE}), {@code incus} is its
 *     settings
 */
public record UplinkConfig(
    int port,
    Map<String, Caller> apiKeys,
    Optional<IncusSettings> incus,
    AwsSettings aws,
    int partSizeBytes,
    int workers,
    Duration visibilityTimeout,
    int maxReceiveCount,
    Path dataDir,
    ProcessingSettings processing,
    ApiLimits api,
    TaskSecurity security,
    IncusRemotes remotes) {

  /**
   * A secret setting {@code X} may instead be read from the secret {@code X_SECRET} names (an ARN,
   * or {@code secretsmanager:NAME} / {@code ssm:NAME}).
   */
  public static final String SECRET_SUFFIX = Environment.SECRET_SUFFIX;

  /** Endpoint override for Secrets Manager and SSM (an emulator); unset means real AWS. */
  public static final String SECRETS_ENDPOINT = "UPLINK_SECRETS_ENDPOINT";

  /** The multipart part size in MiB; the upload API checks its buffer budget against it too. */
  static final Setting<Integer> PART_SIZE_MB = wholeNumber("UPLINK_PART_SIZE_MB", 5, 512).orElse(8);

  private static final Duration FIVE_MINUTES = Duration.ofMinutes(5);

  public UplinkConfig {
    Objects.requireNonNull(api, "api");
    Objects.requireNonNull(security, "security");
    Objects.requireNonNull(processing, "processing");
    apiKeys = Map.copyOf(apiKeys);
    Objects.requireNonNull(incus, "incus");
    Objects.requireNonNull(aws, "aws");
    Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(remotes, "remotes");
  }

  /** Reads the process environment, and the secrets it names from the secret store. */
  public static UplinkConfig fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  /**
   * Reads settings from {@code env}; absent variables take their documented defaults. Secrets that
   * {@code *_SECRET} variables name are read from the {@link SecretStore} on the class path (core's
   * AWS adapter: Secrets Manager or SSM Parameter Store; {@code UPLINK_SECRETS_ENDPOINT} overrides
   * the endpoint of both, for an emulator) in the configured region, or the region their ARN names.
   * Nothing is asked of the store when no such variable is set.
   *
   * @throws ConfigException naming the first malformed or incomplete variable, or the secret that
   *     could not be read
   */
  public static UplinkConfig fromEnvironment(Map<String, String> env) {
    var plain = new Environment(env, SecretSource.none());
    String region = AwsSettings.region(plain);
    Optional<URI> endpoint = plain.find(Setting.url(SECRETS_ENDPOINT));
    try (var secrets = SecretStores.onClassPath().open(region, endpoint)) {
      return fromEnvironment(env, secrets);
    }
  }

  /**
   * Reads settings from {@code env}, and the secrets its {@code *_SECRET} variables name from
   * {@code secrets}.
   *
   * @throws ConfigException naming the first malformed or incomplete variable, or the secret that
   *     could not be read
   */
  public static UplinkConfig fromEnvironment(Map<String, String> env, SecretSource secrets) {
    var environment = new Environment(env, secrets);
    requireLogFormat(environment.read(Setting.text("UPLINK_LOG_FORMAT").orElse("json")));
    IncusRemotes remotes = IncusRemotes.read(environment);
    return new UplinkConfig(
        environment.read(wholeNumber("UPLINK_PORT", 0, 65535).orElse(8080)),
        ApiKeys.read(environment),
        defaultIncus(environment, remotes),
        AwsSettings.read(environment),
        environment.read(PART_SIZE_MB) * 1024 * 1024,
        environment.read(wholeNumber("UPLINK_WORKERS", 1, 1024).orElse(8)),
        environment.read(seconds("UPLINK_VISIBILITY_TIMEOUT", 1, 43_200).orElse(FIVE_MINUTES)),
        environment.read(wholeNumber("UPLINK_MAX_RECEIVE_COUNT", 1, 1000).orElse(5)),
        Path.of(environment.read(Setting.text("UPLINK_DATA_DIR").orElse("uplink-data"))),
        ProcessingSettings.read(environment),
        ApiLimits.read(environment),
        TaskSecurity.read(environment),
        remotes);
  }

  /**
   * The default remote: the old single-server variables ({@code UPLINK_INCUS_URL}…), or the named
   * remote {@code UPLINK_INCUS_DEFAULT_REMOTE} names; not both.
   */
  private static Optional<IncusSettings> defaultIncus(Environment env, IncusRemotes remotes) {
    Optional<IncusSettings> server = IncusSettings.read(env);
    if (remotes.defaultRemote().isEmpty()) {
      return server;
    }
    String name = remotes.defaultRemote().get();
    if (server.isPresent()) {
      throw new ConfigException(
          "%s (%s) and UPLINK_INCUS_URL are both set: the default remote is one or the other"
              .formatted(IncusRemotes.DEFAULT, name));
    }
    return remotes.servers().containsKey(name) ? Optional.of(remotes.settingsOf(name)) : server;
  }

  public UplinkConfig withApiLimits(ApiLimits newApi) {
    var c = new Copy(this);
    c.api = newApi;
    return c.build();
  }

  public UplinkConfig withPort(int newPort) {
    var c = new Copy(this);
    c.port = newPort;
    return c.build();
  }

  public UplinkConfig withAws(AwsSettings newAws) {
    var c = new Copy(this);
    c.aws = newAws;
    return c.build();
  }

  /** These keys, each allowed to send anywhere ({@link DestinationPolicy#allowAll}). */
  public UplinkConfig withApiKeys(Map<String, String> keysToOwners) {
    var callers = new LinkedHashMap<String, Caller>();
    keysToOwners.forEach(
        (key, owner) -> callers.put(key, new Caller(owner, DestinationPolicy.allowAll())));
    return withCallers(callers);
  }

  public UplinkConfig withCallers(Map<String, Caller> newApiKeys) {
    var c = new Copy(this);
    c.apiKeys = newApiKeys;
    return c.build();
  }

  public UplinkConfig withProcessing(ProcessingSettings newProcessing) {
    var c = new Copy(this);
    c.processing = newProcessing;
    return c.build();
  }

  public UplinkConfig withVisibility(Duration newVisibilityTimeout, int newMaxReceiveCount) {
    var c = new Copy(this);
    c.visibilityTimeout = newVisibilityTimeout;
    c.maxReceiveCount = newMaxReceiveCount;
    return c.build();
  }

  public UplinkConfig withIncus(Optional<IncusSettings> newIncus) {
    var c = new Copy(this);
    c.incus = newIncus;
    return c.build();
  }

  public UplinkConfig withRemotes(IncusRemotes newRemotes) {
    var c = new Copy(this);
    c.remotes = newRemotes;
    return c.build();
  }

  public UplinkConfig withSecurity(TaskSecurity newSecurity) {
    var c = new Copy(this);
    c.security = newSecurity;
    return c.build();
  }

  /**
   * Settings for tests and embedders: the given AWS resources, data directory and queue settings,
   * port 0, no API keys, no Incus (the directory target), 5 MiB parts, 4 workers, default
   * processing and API limits, no task seal.
   */
  public static UplinkConfig of(
      AwsSettings aws, Path dataDir, Duration visibilityTimeout, int maxReceiveCount) {
    return new UplinkConfig(
        0,
        Map.of(),
        Optional.empty(),
        aws,
        5 * 1024 * 1024,
        4,
        visibilityTimeout,
        maxReceiveCount,
        dataDir,
        ProcessingSettings.defaults(),
        ApiLimits.defaults(),
        TaskSecurity.none(),
        IncusRemotes.none());
  }

  /** A copy of some settings with a few changed: what the {@code with} methods build on. */
  private static final class Copy {
    private int port;
    private Map<String, Caller> apiKeys;
    private Optional<IncusSettings> incus;
    private AwsSettings aws;
    private int partSizeBytes;
    private int workers;
    private Duration visibilityTimeout;
    private int maxReceiveCount;
    private Path dataDir;
    private ProcessingSettings processing;
    private ApiLimits api;
    private TaskSecurity security;
    private IncusRemotes remotes;

    private Copy(UplinkConfig from) {
      port = from.port;
      apiKeys = from.apiKeys;
      incus = from.incus;
      aws = from.aws;
      partSizeBytes = from.partSizeBytes;
      workers = from.workers;
      visibilityTimeout = from.visibilityTimeout;
      maxReceiveCount = from.maxReceiveCount;
      dataDir = from.dataDir;
      processing = from.processing;
      api = from.api;
      security = from.security;
      remotes = from.remotes;
    }

    private UplinkConfig build() {
      return new UplinkConfig(
          port,
          apiKeys,
          incus,
          aws,
          partSizeBytes,
          workers,
          visibilityTimeout,
          maxReceiveCount,
          dataDir,
          processing,
          api,
          security,
          remotes);
    }
  }

  /** Never prints API keys. */
  @Override
  public String toString() {
    return "UplinkConfig[port=%d, apiKeys=%d configured, incus=%s, aws=%s, partSizeBytes=%d, workers=%d, visibilityTimeout=%s, maxReceiveCount=%d, dataDir=%s, processing=%s, api=%s, security=%s, remotes=%s]"
        .formatted(
            port,
            apiKeys.size(),
            incus.map(i -> i.url().toString()).orElse("local directory"),
            aws,
            partSizeBytes,
            workers,
            visibilityTimeout,
            maxReceiveCount,
            dataDir,
            processing,
            api,
            security,
            remotes);
  }

  /**
   * Logback reads {@code UPLINK_LOG_FORMAT} itself (core's logback.xml picks the appender of that
   * name), before any of our code runs; a name it does not know would silently log nothing, so it
   * is checked here, where every process starts.
   */
  private static void requireLogFormat(String format) {
    if (!format.equals("json") && !format.equals("text")) {
      throw new ConfigException("UPLINK_LOG_FORMAT must be json or text, got " + format);
    }
  }
}
