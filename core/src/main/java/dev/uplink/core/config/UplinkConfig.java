package dev.uplink.core.config;

import dev.uplink.core.aws.AwsSecretSource;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.DestinationPolicy;
import dev.uplink.core.domain.TaskSealer;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Every setting of Uplink, and the one place that reads them from the environment. Each variable is
 * documented in README.md's configuration table.
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
    TaskSecurity security) {

  /**
   * A secret setting {@code X} may instead be read from the secret {@code X_SECRET} names (an ARN,
   * or {@code secretsmanager:NAME} / {@code ssm:NAME}).
   */
  public static final String SECRET_SUFFIX = "_SECRET";

  /** Endpoint override for Secrets Manager and SSM (an emulator); unset means real AWS. */
  public static final String SECRETS_ENDPOINT = "UPLINK_SECRETS_ENDPOINT";

  public UplinkConfig {
    Objects.requireNonNull(api, "api");
    Objects.requireNonNull(security, "security");
    Objects.requireNonNull(processing, "processing");
    apiKeys = Map.copyOf(apiKeys);
    Objects.requireNonNull(incus, "incus");
    Objects.requireNonNull(aws, "aws");
    Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
    Objects.requireNonNull(dataDir, "dataDir");
  }

  /** Settings without a task seal or destination allow-list ({@link TaskSecurity#none()}). */
  public UplinkConfig(
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
      ApiLimits api) {
    this(
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
        TaskSecurity.none());
  }

  /** Reads the process environment, and the secrets it names from AWS. */
  public static UplinkConfig fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  /**
   * Reads settings from {@code env}; absent variables take their documented defaults. Secrets that
   * {@code *_SECRET} variables name are read from Secrets Manager or SSM Parameter Store ({@code
   * UPLINK_SECRETS_ENDPOINT} overrides the endpoint of both, for an emulator) in the configured
   * region, or the region their ARN names. Nothing is asked of AWS when no such variable is set.
   *
   * @throws ConfigException naming the first malformed or incomplete variable, or the secret that
   *     could not be read
   */
  public static UplinkConfig fromEnvironment(Map<String, String> env) {
    var reader = new Reader(env, SecretSource.none());
    try (var secrets = AwsSecretSource.create(region(reader), reader.uri(SECRETS_ENDPOINT))) {
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
    var reader = new Reader(env, secrets);
    requireLogFormat(reader.text("UPLINK_LOG_FORMAT", "json"));
    return new UplinkConfig(
        reader.integer("UPLINK_PORT", 8080, 0, 65535),
        callers(
            parseApiKeys(reader.sensitive("UPLINK_API_KEYS").orElse("")),
            parseOperatorKeys(reader.sensitive("UPLINK_OPERATOR_KEYS").orElse(""))),
        incus(reader),
        new AwsSettings(
            region(reader),
            reader.uri("UPLINK_S3_ENDPOINT"),
            reader.uri("UPLINK_SQS_ENDPOINT"),
            reader.uri("UPLINK_DYNAMODB_ENDPOINT"),
            reader.text("UPLINK_BUCKET", "uplink-uploads"),
            reader.text("UPLINK_QUEUE", "uplink-tasks"),
            reader.text("UPLINK_DLQ", "uplink-tasks-dlq"),
            reader.text("UPLINK_TABLE", "uplink-tasks")),
        reader.integer("UPLINK_PART_SIZE_MB", 8, 5, 512) * 1024 * 1024,
        reader.integer("UPLINK_WORKERS", 8, 1, 1024),
        Duration.ofSeconds(reader.integer("UPLINK_VISIBILITY_TIMEOUT", 300, 1, 43_200)),
        reader.integer("UPLINK_MAX_RECEIVE_COUNT", 5, 1, 1000),
        Path.of(reader.text("UPLINK_DATA_DIR", "uplink-data")),
        new ProcessingSettings(
            reader.integer("UPLINK_WORKERS_PER_HOST", 8, 1, 1024),
            Duration.ofSeconds(reader.integer("UPLINK_MAX_BACKOFF", 300, 1, 43_200)),
            Duration.ofSeconds(reader.integer("UPLINK_SHUTDOWN_GRACE", 30, 0, 3600)),
            Duration.ofSeconds(reader.integer("UPLINK_RECONCILE_AFTER", 900, 1, 86_400)),
            Duration.ofSeconds(reader.integer("UPLINK_RECONCILE_INTERVAL", 60, 1, 86_400)),
            Duration.ofDays(reader.integer("UPLINK_TASK_RETENTION_DAYS", 30, 1, 3650)),
            reader.bool("UPLINK_KEEP_OBJECTS", false),
            reader.bool("UPLINK_QUEUE_FIFO", false),
            reader.optionalInteger("UPLINK_METRICS_PORT", 0, 65535),
            reader.integer(
                "UPLINK_CIRCUIT_OPEN_AFTER", ProcessingSettings.DEFAULT_CIRCUIT_OPEN_AFTER, 1, 100),
            Duration.ofSeconds(
                reader.integer(
                    "UPLINK_CIRCUIT_MAX_HOLD",
                    (int) ProcessingSettings.DEFAULT_CIRCUIT_MAX_HOLD.toSeconds(),
                    1,
                    43_200))),
        apiLimits(reader),
        security(reader));
  }

  private static ApiLimits apiLimits(Reader reader) {
    int maxConcurrentUploads = reader.integer("UPLINK_MAX_CONCURRENT_UPLOADS", 64, 1, 100_000);
    int partSizeMb = reader.integer("UPLINK_PART_SIZE_MB", 8, 5, 512);
    OptionalInt bufferMb = reader.optionalInteger("UPLINK_UPLOAD_BUFFER_MB", 1, 1024 * 1024);
    if (bufferMb.isPresent() && bufferMb.getAsInt() < 2 * partSizeMb) {
      throw new ConfigException(
          "UPLINK_UPLOAD_BUFFER_MB must hold the two parts one streamed upload may buffer"
              + " (2 x UPLINK_PART_SIZE_MB = %d), got %d"
                  .formatted(2 * partSizeMb, bufferMb.getAsInt()));
    }
    return new ApiLimits(
        reader.integer("UPLINK_MAX_UPLOAD_MB", 10_240, 1, 5 * 1024 * 1024) * 1024L * 1024,
        maxConcurrentUploads,
        Duration.ofSeconds(reader.integer("UPLINK_PRESIGN_EXPIRY", 900, 1, 604_800)),
        Duration.ofSeconds(reader.integer("UPLINK_UPLOAD_WINDOW", 86_400, 1, 604_800)),
        new AdmissionLimits(
            reader.integer(
                "UPLINK_MAX_UPLOADS_PER_OWNER",
                AdmissionLimits.halfOf(maxConcurrentUploads),
                1,
                100_000),
            bufferMb.isPresent()
                ? OptionalLong.of(bufferMb.getAsInt() * 1024L * 1024)
                : OptionalLong.empty(),
            reader.integer("UPLINK_MIN_UPLOAD_RATE_KBPS", 16, 0, 1024 * 1024) * 1024L,
            Duration.ofSeconds(reader.integer("UPLINK_MIN_UPLOAD_RATE_WINDOW", 30, 1, 3600)),
            reader.integer(
                "UPLINK_MAX_LONG_POLLS_PER_OWNER",
                AdmissionLimits.DEFAULT_MAX_LONG_POLLS_PER_OWNER,
                1,
                100_000)));
  }

  public UplinkConfig withApiLimits(ApiLimits newApi) {
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
        newApi,
        security);
  }

  public UplinkConfig withPort(int newPort) {
    return new UplinkConfig(
        newPort,
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
        security);
  }

  public UplinkConfig withAws(AwsSettings newAws) {
    return new UplinkConfig(
        port,
        apiKeys,
        incus,
        newAws,
        partSizeBytes,
        workers,
        visibilityTimeout,
        maxReceiveCount,
        dataDir,
        processing,
        api,
        security);
  }

  /** These keys, each allowed to send anywhere ({@link DestinationPolicy#allowAll}). */
  public UplinkConfig withApiKeys(Map<String, String> keysToOwners) {
    var callers = new LinkedHashMap<String, Caller>();
    keysToOwners.forEach(
        (key, owner) -> callers.put(key, new Caller(owner, DestinationPolicy.allowAll())));
    return withCallers(callers);
  }

  public UplinkConfig withCallers(Map<String, Caller> newApiKeys) {
    return new UplinkConfig(
        port,
        newApiKeys,
        incus,
        aws,
        partSizeBytes,
        workers,
        visibilityTimeout,
        maxReceiveCount,
        dataDir,
        processing,
        api,
        security);
  }

  public UplinkConfig withProcessing(ProcessingSettings newProcessing) {
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
        newProcessing,
        api,
        security);
  }

  public UplinkConfig withVisibility(Duration newVisibilityTimeout, int newMaxReceiveCount) {
    return new UplinkConfig(
        port,
        apiKeys,
        incus,
        aws,
        partSizeBytes,
        workers,
        newVisibilityTimeout,
        newMaxReceiveCount,
        dataDir,
        processing,
        api,
        security);
  }

  public UplinkConfig withIncus(Optional<IncusSettings> newIncus) {
    return new UplinkConfig(
        port,
        apiKeys,
        newIncus,
        aws,
        partSizeBytes,
        workers,
        visibilityTimeout,
        maxReceiveCount,
        dataDir,
        processing,
        api,
        security);
  }

  public UplinkConfig withSecurity(TaskSecurity newSecurity) {
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
        newSecurity);
  }

  /** Never prints API keys. */
  @Override
  public String toString() {
    return "UplinkConfig[port=%d, apiKeys=%d configured, incus=%s, aws=%s, partSizeBytes=%d, workers=%d, visibilityTimeout=%s, maxReceiveCount=%d, dataDir=%s, processing=%s, security=%s]"
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
            security,
            api);
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

  /** The users' and the operators' keys in one map; a key may not be both. */
  private static Map<String, Caller> callers(
      Map<String, Caller> users, Map<String, Caller> operators) {
    var callers = new LinkedHashMap<String, Caller>(users);
    operators.forEach(
        (key, operator) -> {
          if (callers.putIfAbsent(key, operator) != null) {
            throw new ConfigException(
                "UPLINK_OPERATOR_KEYS: the key of operator "
                    + operator.owner()
                    + " is also in UPLINK_API_KEYS; give operators keys of their own");
          }
        });
    return callers;
  }

  static Map<String, Caller> parseOperatorKeys(String spec) {
    var keys = new LinkedHashMap<String, Caller>();
    keyEntries("UPLINK_OPERATOR_KEYS", spec, "key=operator-name")
        .forEach((key, name) -> keys.put(key, Caller.operator(name)));
    return keys;
  }

  static Map<String, Caller> parseApiKeys(String spec) {
    var keys = new LinkedHashMap<String, Caller>();
    String format = "key=owner@grants";
    keyEntries("UPLINK_API_KEYS", spec, format)
        .forEach(
            (key, grant) -> {
              int at = grant.indexOf('@');
              String owner = (at < 0 ? grant : grant.substring(0, at)).trim();
              if (owner.isEmpty()) {
                throw new ConfigException(
                    "UPLINK_API_KEYS must be a comma-separated list of " + format + " entries");
              }
              if (at < 0) {
                throw new ConfigException(
                    ("UPLINK_API_KEYS: the key of %s names no destinations; write"
                            + " key=%s@web-*:/srv/uploads/ (instance pattern:path prefix, several"
                            + " joined by |), or @*:/ for all")
                        .formatted(owner, owner));
              }
              try {
                keys.put(key, new Caller(owner, DestinationPolicy.parse(grant.substring(at + 1))));
              } catch (IllegalArgumentException e) {
                throw new ConfigException(
                    "UPLINK_API_KEYS: the key of " + owner + ": " + e.getMessage());
              }
            });
    return keys;
  }

  /**
   * The {@code key=value} entries of the comma-separated {@code spec} of {@code variable}, in
   * order.
   *
   * @throws ConfigException naming {@code format} if an entry lacks a key or a value, or if a key
   *     is listed twice
   */
  private static Map<String, String> keyEntries(String variable, String spec, String format) {
    var entries = new LinkedHashMap<String, String>();
    for (String entry : spec.split(",")) {
      if (entry.isBlank()) {
        continue;
      }
      int eq = entry.indexOf('=');
      String key = eq < 0 ? "" : entry.substring(0, eq).trim();
      String value = eq < 0 ? "" : entry.substring(eq + 1).trim();
      if (key.isEmpty() || value.isEmpty()) {
        throw new ConfigException(
            variable + " must be a comma-separated list of " + format + " entries");
      }
      if (entries.putIfAbsent(key, value) != null) {
        throw new ConfigException(variable + " lists the same key twice");
      }
    }
    return entries;
  }

  /**
   * The seal key (and the previous one, during a rotation) and the destination allow-list. A key is
   * any text of at least {@value TaskSealer#MIN_KEY_BYTES} bytes; its value never appears in an
   * error.
   */
  private static TaskSecurity security(Reader reader) {
    Optional<String> key = reader.sensitive("UPLINK_TASK_SEAL_KEY");
    Optional<String> previous = reader.sensitive("UPLINK_TASK_SEAL_PREVIOUS_KEY");
    if (key.isEmpty() && previous.isPresent()) {
      throw new ConfigException(
          "UPLINK_TASK_SEAL_PREVIOUS_KEY is set without UPLINK_TASK_SEAL_KEY: the previous key"
              + " only verifies seals, set the current one too");
    }
    Optional<TaskSealer> sealer;
    try {
      sealer = key.map(k -> TaskSealer.of(k.strip(), previous.map(String::strip)));
    } catch (IllegalArgumentException e) {
      String variable =
          e.getMessage().startsWith("the previous")
              ? "UPLINK_TASK_SEAL_PREVIOUS_KEY"
              : "UPLINK_TASK_SEAL_KEY";
      throw new ConfigException(variable + ": " + e.getMessage());
    }
    Optional<DestinationPolicy> destinations;
    try {
      destinations =
          Optional.ofNullable(reader.text("UPLINK_DESTINATIONS", null))
              .map(DestinationPolicy::parse);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          "UPLINK_DESTINATIONS must be grants like web-*:/srv/uploads/|db-?:/import/: "
              + e.getMessage());
    }
    return new TaskSecurity(sealer, destinations);
  }

  private static Optional<IncusSettings> incus(Reader reader) {
    String socket = reader.text("UPLINK_INCUS_URL", "");
    if (socket.startsWith("unix:")) {
      // On the Incus host itself: the socket's permissions are the authentication.
      if (!socket.startsWith("unix:///")) {
        throw new ConfigException(
            "UPLINK_INCUS_URL must name the socket by its absolute path, like"
                + " unix:///var/lib/incus/unix.socket, got '"
                + socket
                + "'");
      }
      return Optional.of(IncusSettings.unixSocket(Path.of(socket.substring("unix://".length()))));
    }
    Optional<URI> url = reader.uri("UPLINK_INCUS_URL");
    if (url.isEmpty()) {
      return Optional.empty();
    }
    if (!"https".equals(url.get().getScheme())) {
      throw new ConfigException(
          "UPLINK_INCUS_URL must be an https:// URL or unix:///path/to/unix.socket, got "
              + url.get());
    }
    return Optional.of(
        new IncusSettings(
            url.get(),
            reader.pem("UPLINK_INCUS_CERT"),
            reader.pem("UPLINK_INCUS_KEY"),
            reader.pem("UPLINK_INCUS_SERVER_CERT")));
  }

  private static String region(Reader reader) {
    return reader.text("AWS_REGION", reader.text("AWS_DEFAULT_REGION", "us-east-1"));
  }

  private record Reader(Map<String, String> env, SecretSource secrets) {

    String text(String name, String fallback) {
      String value = env.get(name);
      return value == null || value.isBlank() ? fallback : value.trim();
    }

    int integer(String name, int fallback, int min, int max) {
      String value = text(name, null);
      if (value == null) {
        return fallback;
      }
      try {
        int parsed = Integer.parseInt(value);
        if (parsed >= min && parsed <= max) {
          return parsed;
        }
      } catch (NumberFormatException e) {
        // reported below with the accepted range
      }
      throw new ConfigException(
          "%s must be a whole number from %d to %d, got '%s'".formatted(name, min, max, value));
    }

    /** Like {@link #integer}, but an unset variable is empty instead of a default. */
    OptionalInt optionalInteger(String name, int min, int max) {
      return text(name, null) == null
          ? OptionalInt.empty()
          : OptionalInt.of(integer(name, min, min, max));
    }

    boolean bool(String name, boolean fallback) {
      String value = text(name, null);
      if (value == null) {
        return fallback;
      }
      return switch (value.toLowerCase(java.util.Locale.ROOT)) {
        case "true", "yes", "1" -> true;
        case "false", "no", "0" -> false;
        default -> throw new ConfigException(name + " must be true or false, got '" + value + "'");
      };
    }

    Optional<URI> uri(String name) {
      String value = text(name, null);
      if (value == null) {
        return Optional.empty();
      }
      try {
        URI uri = new URI(value);
        if (uri.getScheme() == null || uri.getHost() == null) {
          throw new URISyntaxException(value, "scheme and host required");
        }
        return Optional.of(uri);
      } catch (URISyntaxException e) {
        throw new ConfigException(name + " must be an absolute URL, got '" + value + "'");
      }
    }

    /**
     * The value of {@code name}, or the text of the secret {@code name_SECRET} names (read now);
     * empty when neither is set. Both set is an error: which one wins would be a guess.
     */
    Optional<String> sensitive(String name) {
      return secretReference(name)
          .map(secrets::read)
          .or(() -> Optional.ofNullable(text(name, null)));
    }

    /** The PEM file {@code name} names, or the PEM text of the secret {@code name_SECRET} names. */
    PemSource pem(String name) {
      Optional<SecretReference> secret = secretReference(name);
      if (secret.isPresent()) {
        return PemSource.secret(secret.get().describe(), secrets.read(secret.get()));
      }
      String path = text(name, null);
      if (path == null) {
        throw new ConfigException(
            ("%s (a PEM file) or %s%s (a secret holding the PEM) is required when UPLINK_INCUS_URL"
                    + " is set")
                .formatted(name, name, SECRET_SUFFIX));
      }
      return PemSource.file(Path.of(path));
    }

    private Optional<SecretReference> secretReference(String name) {
      String reference = text(name + SECRET_SUFFIX, null);
      if (reference == null) {
        return Optional.empty();
      }
      if (text(name, null) != null) {
        throw new ConfigException(
            "%s and %s%s are both set: set one (the secret, in production)"
                .formatted(name, name, SECRET_SUFFIX));
      }
      return Optional.of(SecretReference.parse(name + SECRET_SUFFIX, reference));
    }
  }
}
