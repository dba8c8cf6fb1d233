package dev.uplink.infra;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.config.AwsSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.elasticmq.NodeAddress;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.gaul.s3proxy.CrossOriginResourceSharing;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * S3, SQS and DynamoDB in this JVM, speaking the real AWS wire protocols over HTTP: S3Proxy (a
 * filesystem blob store, SigV4 checked), ElasticMQ and DynamoDB Local. It is the local stack's
 * cloud and the integration tests' cloud; no Docker needed.
 *
 * <h2>Credentials</h2>
 *
 * S3Proxy accepts only requests signed with {@link #ACCESS_KEY_ID} / {@link #SECRET_ACCESS_KEY} (so
 * presigned-URL tampering is really rejected); ElasticMQ and DynamoDB Local accept any key. Nothing
 * global is changed: build clients with {@link #clients(AwsSettings)} (or pass {@link
 * #credentials()} to {@link AwsClients#create(AwsSettings, AwsCredentialsProvider)}). Code that
 * builds its own clients from the default credentials chain must run with {@code
 * AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test} (Surefire sets exactly that) or the {@code
 * aws.accessKeyId} / {@code aws.secretAccessKey} system properties.
 *
 * <h2>Data</h2>
 *
 * <ul>
 *   <li>S3 objects always live on disk (the heap would not hold big uploads): in {@code dataDir/s3}
 *       when persistent, else in a fresh temporary directory under {@code dataDir} that {@link
 *       #close()} deletes.
 *   <li>DynamoDB keeps its tables in {@code dataDir/dynamodb} when persistent, else in memory. It
 *       runs with {@code -sharedDb}: every access key and region sees the same tables.
 *   <li>SQS messages are always in memory: a restart loses them (the reconciler re-publishes
 *       PENDING tasks).
 * </ul>
 *
 * All three listen on {@code 127.0.0.1} only (DynamoDB Local, which has no bind-address option,
 * through {@link #bindToLoopback}): they accept any credentials, so nothing else may reach them.
 *
 * <h2>Browsers</h2>
 *
 * The web page uploads large files straight to S3 with presigned URLs, from the API's origin:
 * S3Proxy answers CORS for pages on a loopback origin ({@code http://127.0.0.1:PORT}, {@code
 * localhost}, {@code [::1]}; whatever port the API got), as the bucket's CORS rules do on AWS:
 * {@code PUT} (and {@code GET}, {@code HEAD}) with the content and checksum headers, exposing
 * {@code ETag}.
 */
public final class LocalAws implements AutoCloseable {

  /** The only access key S3Proxy accepts. */
  public static final String ACCESS_KEY_ID = "test";

  /** The secret that goes with {@link #ACCESS_KEY_ID}. */
  public static final String SECRET_ACCESS_KEY = "test";

  private static final Logger log = LoggerFactory.getLogger(LocalAws.class);
  private static final String HOST = "127.0.0.1";

  /** Pages allowed to send presigned requests from a browser: loopback origins, any port. */
  static final String BROWSER_ORIGINS =
      "http://(127\\.0\\.0\\.1|localhost|\\[::1\\])(:[0-9]{1,5})?";

  private final URI s3Endpoint;
  private final URI sqsEndpoint;
  private final URI dynamoDbEndpoint;
  private final Deque<Stoppable> running = new ArrayDeque<>();
  private final Optional<Path> temporaryDir;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Stops one emulator. */
  @FunctionalInterface
  private interface Stoppable {
    void stop() throws Exception;
  }

  private LocalAws(Builder builder) throws Exception {
    // S3Proxy's filesystem store loses multipart uploads under a relative base directory
    // (CompleteMultipartUpload answers NoSuchUpload): always hand it an absolute one.
    Path dataDir = Files.createDirectories(builder.dataDir.toAbsolutePath().normalize());
    Path s3Dir;
    if (builder.persistent) {
      s3Dir = Files.createDirectories(dataDir.resolve("s3"));
      temporaryDir = Optional.empty();
    } else {
      s3Dir = Files.createTempDirectory(dataDir, "s3-");
      temporaryDir = Optional.of(s3Dir);
    }
    try {
      sqsEndpoint = startSqs(port(builder.sqsPort), builder.region);
      dynamoDbEndpoint = startDynamoDb(port(builder.dynamoDbPort), dataDir, builder.persistent);
      s3Endpoint = startS3(port(builder.s3Port), s3Dir);
    } catch (Exception | Error e) {
      close(e);
      throw e;
    }
  }

  /**
   * Starts all three on free ports of 127.0.0.1.
   *
   * @param dataDir where S3 objects (and, when persistent, DynamoDB tables) are kept; created if
   *     absent
   * @param persistent whether objects and tables outlive this instance
   */
  public static LocalAws start(Path dataDir, boolean persistent) {
    return builder().dataDir(dataDir).persistent(persistent).start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** {@code base} with the three endpoints pointing here; its resource names stay as they are. */
  public AwsSettings settings(AwsSettings base) {
    return base.withEndpoints(s3Endpoint, sqsEndpoint, dynamoDbEndpoint);
  }

  /** Clients for {@link #settings(AwsSettings) settings(base)}, signing with the emulator key. */
  public AwsClients clients(AwsSettings base) {
    return AwsClients.create(settings(base), credentials());
  }

  /** The static credentials the emulators accept. */
  public AwsCredentialsProvider credentials() {
    return StaticCredentialsProvider.create(
        AwsBasicCredentials.create(ACCESS_KEY_ID, SECRET_ACCESS_KEY));
  }

  public URI s3Endpoint() {
    return s3Endpoint;
  }

  public URI sqsEndpoint() {
    return sqsEndpoint;
  }

  public URI dynamoDbEndpoint() {
    return dynamoDbEndpoint;
  }

  private URI startSqs(int port, String region) {
    SQSRestServer server =
        SQSRestServerBuilder.withInterface(HOST)
            .withPort(port)
            .withServerAddress(new NodeAddress("http", HOST, port, ""))
            .withAWSRegion(region)
            .start();
    // Start the stop, do not wait for it: stopAndWait() holds for ~18 s while Pekko drains the
    // (already closed) clients' connections, and nothing here needs the port back sooner.
    running.push(() -> server.stopAndGetFuture().apply());
    server.waitUntilStarted();
    return endpoint(port);
  }

  private URI startDynamoDb(int port, Path dataDir, boolean persistent) throws Exception {
    String[] storage =
        persistent
            ? new String[] {
              "-dbPath", Files.createDirectories(dataDir.resolve("dynamodb")).toString()
            }
            : new String[] {"-inMemory"};
    String[] args =
        Stream.concat(
                Stream.of(storage),
                Stream.of("-port", Integer.toString(port), "-sharedDb", "-disableTelemetry"))
            .toArray(String[]::new);
    // The HTTP server, not DynamoDBEmbedded: that one leaves a non-daemon thread behind.
    DynamoDBProxyServer server = createQuietly(args);
    bindToLoopback(server);
    server.start();
    running.push(server::stop);
    return endpoint(port);
  }

  /**
   * DynamoDB Local prints its configuration to standard output, which the local stack keeps for log
   * lines only (one JSON object each, for {@code ./uplink local | jq}): it goes to standard error
   * instead. Startup is single-threaded, so nothing else writes meanwhile.
   */
  private static DynamoDBProxyServer createQuietly(String[] args) throws Exception {
    PrintStream out = System.out;
    System.setOut(System.err);
    try {
      return ServerRunner.createServerFromCommandLineArgs(args);
    } finally {
      System.setOut(out);
    }
  }

  /**
   * DynamoDB Local has no bind-address option: it listens on every interface, and accepts any
   * credentials, so anyone on the network could rewrite the task table. Its Jetty server is a
   * private field, so its connectors are pointed at 127.0.0.1 before it starts; if that ever stops
   * working, the stack refuses to start rather than expose the table.
   */
  private static void bindToLoopback(DynamoDBProxyServer proxy) {
    try {
      Field field = DynamoDBProxyServer.class.getDeclaredField("server");
      field.setAccessible(true);
      Server jetty = (Server) field.get(proxy);
      Connector[] connectors = jetty.getConnectors();
      if (connectors.length == 0) {
        throw new IllegalStateException("no connector");
      }
      for (Connector connector : connectors) {
        ((ServerConnector) connector).setHost(HOST);
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException(
          "Cannot bind DynamoDB Local to "
              + HOST
              + " (did its internals change?); refusing to expose it on every interface",
          e);
    }
  }

  private URI startS3(int port, Path s3Dir) throws Exception {
    URI endpoint = endpoint(port);
    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(new FilesystemNio2BlobStore(s3Dir.toString()))
            .endpoint(endpoint)
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY_ID, SECRET_ACCESS_KEY)
            // The SDK sends x-amz-mp-object-size and friends, which S3Proxy would refuse with 501.
            .ignoreUnknownHeaders(true)
            .corsRules(
                new CrossOriginResourceSharing(
                    List.of(BROWSER_ORIGINS),
                    List.of("GET", "HEAD", "PUT"),
                    List.of(
                        "content-type",
                        "content-md5",
                        "x-amz-checksum-sha256",
                        "x-amz-sdk-checksum-algorithm",
                        "x-amz-content-sha256"),
                    List.of("ETag"),
                    ""))
            // No graceful wait: it would hold stop() ~2 s for the SDK's idle keep-alive
            // connections. Stop the API and workers before the emulators.
            .stopTimeout(0)
            .build();
    proxy.start();
    running.push(proxy::stop);
    return endpoint;
  }

  private static URI endpoint(int port) {
    return URI.create("http://" + HOST + ":" + port);
  }

  /** The requested port, or a free one when 0. */
  private static int port(int requested) throws IOException {
    if (requested != 0) {
      return requested;
    }
    try (var socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return socket.getLocalPort();
    }
  }

  /** Stops all three (last started first) and deletes temporary S3 data; idempotent. */
  @Override
  public void close() {
    if (closed.getAndSet(true)) {
      return;
    }
    RuntimeException failure = new IllegalStateException("Stopping the local AWS emulators failed");
    close(failure);
    if (failure.getSuppressed().length > 0) {
      throw failure;
    }
    log.info("Local AWS emulators stopped");
  }

  private void close(Throwable failure) {
    while (!running.isEmpty()) {
      try {
        running.pop().stop();
      } catch (Exception e) {
        failure.addSuppressed(e);
      }
    }
    temporaryDir.ifPresent(dir -> deleteRecursively(dir, failure));
  }

  private static void deleteRecursively(Path dir, Throwable failure) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException | UncheckedIOException e) {
      failure.addSuppressed(e);
    }
  }

  @Override
  public String toString() {
    return "LocalAws[s3=%s, sqs=%s, dynamoDb=%s]"
        .formatted(s3Endpoint, sqsEndpoint, dynamoDbEndpoint);
  }

  /** Where and how to run the emulators; {@link #start()} checks the settings. */
  public static final class Builder {
    private Path dataDir;
    private boolean persistent;
    private String region = "us-east-1";
    private int s3Port;
    private int sqsPort;
    private int dynamoDbPort;

    private Builder() {}

    /** Required: where S3 objects (and persistent tables) are kept. */
    public Builder dataDir(Path dataDir) {
      this.dataDir = dataDir;
      return this;
    }

    /** Whether objects and tables outlive the instance; default false. */
    public Builder persistent(boolean persistent) {
      this.persistent = persistent;
      return this;
    }

    /** The region ElasticMQ puts in queue ARNs; default us-east-1. */
    public Builder region(String region) {
      this.region = region;
      return this;
    }

    /** Fixed ports; 0 (the default) picks a free one. */
    public Builder ports(int s3Port, int sqsPort, int dynamoDbPort) {
      this.s3Port = checkPort("s3Port", s3Port);
      this.sqsPort = checkPort("sqsPort", sqsPort);
      this.dynamoDbPort = checkPort("dynamoDbPort", dynamoDbPort);
      return this;
    }

    /**
     * Starts the three emulators; returns once all of them accept connections.
     *
     * @throws IllegalStateException if one cannot start (the others are stopped again)
     */
    public LocalAws start() {
      Objects.requireNonNull(dataDir, "dataDir: call dataDir(Path) before start()");
      Objects.requireNonNull(region, "region");
      long started = System.nanoTime();
      try {
        LocalAws aws = new LocalAws(this);
        log.info(
            "Local AWS emulators ready in {} ms: {}",
            (System.nanoTime() - started) / 1_000_000,
            aws);
        return aws;
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException("Could not start the local AWS emulators", e);
      }
    }

    private static int checkPort(String name, int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException(name + " must be between 0 and 65535, got " + port);
      }
      return port;
    }
  }
}
