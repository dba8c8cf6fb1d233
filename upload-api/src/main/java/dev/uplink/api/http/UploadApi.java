package dev.uplink.api.http;

import dev.uplink.api.UploadService;
import io.javalin.Javalin;
import io.javalin.util.JavalinException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.VirtualThreads;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upload API's HTTP server: Javalin on Jetty, each request handled on a virtual thread.
 *
 * <ul>
 *   <li>{@code POST /v1/uploads?container=NAME&path=/ABS/PATH[&mode=0644&uid=0&gid=0]}: the body is
 *       the file (any non-multipart type), or {@code multipart/form-data} with a {@code file} part;
 *       the destination may also come as headers ({@code X-Container-Name}, {@code X-File-Path},
 *       {@code X-File-Mode}, {@code X-File-Uid}, {@code X-File-Gid}) or as form fields sent before
 *       the file part. The same field given twice with different values is a 400. Answers 202 with
 *       {@code Location: /v1/uploads/{id}}.
 *   <li>{@code GET /v1/uploads/{id}} (and {@code HEAD}): the caller's task as JSON.
 * </ul>
 *
 * <p>Every route needs {@code Authorization: Bearer <key>}. Errors are {@code
 * application/problem+json} (RFC 9457) with types under {@code https://uplink.dev/problems/}:
 * {@code invalid-destination} (400, {@code field}), {@code empty-body} (400), {@code missing-file}
 * (400, {@code field: file}), {@code malformed-multipart} (400), {@code incomplete-body} (400),
 * {@code unauthorized} (401), {@code not-found} (404), {@code method-not-allowed} (405), {@code
 * upload-too-slow} (408), {@code body-too-large} (413), {@code unsupported-media-type} (415),
 * {@code too-many-uploads} and {@code too-many-long-polls} (429, {@code Retry-After}), {@code
 * server-busy} and {@code service-unavailable} (503, {@code Retry-After}), {@code internal-error}
 * (500, with an {@code incidentId}); other statuses use {@code about:blank}.
 *
 * <p>Uploads are streamed: the request size limit of Javalin ({@code http.maxRequestSize}) only
 * governs the JSON bodies read whole (64 KiB), and Jetty sets no limit on a streamed body, so
 * uploads of any size are accepted, within the memory budget, shares and rate floor of {@link
 * UploadAdmission}.
 *
 * <p>{@link #inMemory} builds the same application (threads, connection settings, error handler,
 * {@link ApiApplication#install}) on an in-memory connector instead of a socket: the AWS Lambda
 * adapter feeds it API Gateway requests as HTTP/1.1 bytes.
 */
public final class UploadApi implements AutoCloseable {

  /**
   * The Lambda invocation a request of the {@linkplain #inMemory in-memory} API belongs to, set by
   * its adapter (the API function), which removes a client's own: the application puts it on the
   * request's log lines. The embedded server ignores it, since a client could send anything.
   */
  public static final String INVOCATION_ID_HEADER = "Uplink-Invocation-Id";

  /**
   * Whether that invocation is its execution environment's first ({@code true} or {@code false}).
   */
  public static final String INVOCATION_COLD_START_HEADER = "Uplink-Invocation-Cold-Start";

  /** How long a connection may stay silent (no byte either way) before Jetty closes it. */
  public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

  /** The media type of every error this API answers with (RFC 9457). */
  public static final String PROBLEM_MEDIA_TYPE = ProblemException.MEDIA_TYPE;

  private static final Logger LOG = LoggerFactory.getLogger(UploadApi.class);

  private final Javalin app;

  private UploadApi(Javalin app) {
    this.app = app;
  }

  /**
   * Starts the API on one interface with default limits, letting every key send anywhere ({@link
   * ApiSettings#allowingAll}): for tests and trusted local use.
   */
  public static UploadApi start(
      String host, int port, Map<String, String> apiKeysToOwners, UploadService service) {
    return start(host, port, ApiSettings.allowingAll(apiKeysToOwners), service);
  }

  /**
   * Starts the API on one interface.
   *
   * @param host the address to bind, e.g. {@code 127.0.0.1} or {@code 0.0.0.0}
   * @param port the port; 0 picks a free one
   * @param settings API keys, their owners and policies, and limits
   * @param service the upload use case
   */
  public static UploadApi start(
      String host, int port, ApiSettings settings, UploadService service) {
    return start(host, port, settings, service, Duration.ZERO);
  }

  /**
   * Starts the API on one interface; {@link #close} stops it gracefully: no new connection or
   * request is taken (a request arriving on an open connection gets 503), and the requests in
   * progress (uploads, long polls) have up to {@code stopGrace} to finish before they are cut off.
   *
   * @param host the address to bind, e.g. {@code 127.0.0.1} or {@code 0.0.0.0}
   * @param port the port; 0 picks a free one
   * @param settings API keys, their owners and policies, and limits
   * @param service the upload use case
   * @param stopGrace how long a stop waits for the requests in progress; zero stops at once
   */
  public static UploadApi start(
      String host, int port, ApiSettings settings, UploadService service, Duration stopGrace) {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(stopGrace, "stopGrace");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0-65535, got " + port);
    }
    if (stopGrace.isNegative()) {
      throw new IllegalArgumentException("stopGrace must not be negative, got " + stopGrace);
    }
    Javalin app =
        create(
            settings,
            service,
            stopGrace,
            false,
            RequestMetrics.none(),
            (server, http) -> {
              var connector = new ServerConnector(server, new HttpConnectionFactory(http));
              connector.setHost(host);
              connector.setPort(port);
              connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
              // A stop would otherwise cut every connection idle for 1 s: an upload whose client
              // pauses for a second within the grace would end 400 incomplete-body.
              if (stopGrace.isPositive()) {
                connector.setShutdownIdleTimeout(stopGrace.toMillis());
              }
              return connector;
            });
    app.start();
    return new UploadApi(app);
  }

  /**
   * Starts the API on an in-memory connector: no socket is opened; requests are handed to {@link
   * InMemory#connector()} as bytes.
   *
   * @param settings API keys, their owners and policies, and limits
   * @param service the upload use case
   */
  public static InMemory inMemory(ApiSettings settings, UploadService service) {
    return inMemory(settings, service, RequestMetrics.none());
  }

  /** {@link #inMemory(ApiSettings, UploadService)}, counting every request in {@code metrics}. */
  public static InMemory inMemory(
      ApiSettings settings, UploadService service, RequestMetrics metrics) {
    Objects.requireNonNull(metrics, "metrics");
    var local = new AtomicReference<LocalConnector>();
    Javalin app =
        create(
            settings,
            service,
            Duration.ZERO,
            true,
            metrics,
            (server, http) -> {
              var connector = new LocalConnector(server, new HttpConnectionFactory(http));
              connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
              local.set(connector);
              return connector;
            });
    app.start();
    return new InMemory(app, local.get());
  }

  /**
   * The body of an {@code application/problem+json} answer for {@code status}, in the shape every
   * other error of this API has ({@code about:blank} type, the status's title): for adapters that
   * must answer before a request reaches the application.
   */
  public static byte[] problem(int status, String detail) {
    String title = HttpStatus.getMessage(status);
    return Json.bytes(ProblemException.ofStatus(status, title, detail).body());
  }

  /** The port the server listens on. */
  public int port() {
    return app.port();
  }

  /**
   * Stops accepting connections and stops the server: at once, or after the requests in progress
   * finished (within the stop grace it was started with).
   */
  @Override
  public void close() {
    try {
      app.stop();
    } catch (JavalinException e) {
      if (!(e.getCause() instanceof TimeoutException)) {
        throw e;
      }
      // Jetty stopped everything regardless; the clients cut off were answered nothing.
      LOG.warn("Requests still in progress when the stop grace ran out were cut off");
    }
  }

  /** The API on an in-memory connector (see {@link #inMemory}). */
  public static final class InMemory implements AutoCloseable {

    private final Javalin app;
    private final LocalConnector connector;

    private InMemory(Javalin app, LocalConnector connector) {
      this.app = app;
      this.connector = Objects.requireNonNull(connector, "Javalin did not add the local connector");
    }

    /** Where to send raw HTTP/1.1 requests; one {@code connect()} per request. */
    public LocalConnector connector() {
      return connector;
    }

    /** Stops the application. */
    @Override
    public void close() {
      app.stop();
    }
  }

  /**
   * One Javalin application, whatever carries its requests: {@code connector} makes the connector
   * from Jetty's server and the HTTP configuration set up here.
   */
  private static Javalin create(
      ApiSettings settings,
      UploadService service,
      Duration stopGrace,
      boolean invocationHeaders,
      RequestMetrics metrics,
      BiFunction<Server, HttpConfiguration, Connector> connector) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(service, "service");
    return Javalin.create(
        config -> {
          config.startup.showJavalinBanner = false;
          config.startup.showOldJavalinVersionWarning = false;

          // Platform threads only for Jetty's selector and acceptor; every request is handled on
          // a virtual thread, so a slow upload blocks nothing but itself.
          config.concurrency.useVirtualThreads = true;
          var threads = new QueuedThreadPool();
          threads.setName("uplink-http");
          threads.setVirtualThreadsExecutor(
              VirtualThreads.getNamedVirtualThreadsExecutor("uplink-req"));
          config.jetty.threadPool = threads;
          config.jetty.addConnector(
              (server, http) -> {
                configure(http);
                return connector.apply(server, http);
              });
          config.jetty.modifyServer(
              server -> {
                server.setErrorHandler(new ProblemErrorHandler());
                if (stopGrace.isPositive()) {
                  // Javalin puts its handler inside this one: a stop then closes the connectors,
                  // answers new requests 503 and waits for those in progress, up to the timeout.
                  server.setHandler(new GracefulHandler());
                  server.setStopTimeout(stopGrace.toMillis());
                }
              });

          ApiApplication.install(config, settings, service, invocationHeaders, metrics);
        });
  }

  private static void configure(HttpConfiguration http) {
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    // Jetty caches known header fields per connection and by default matches that cache ignoring
    // case: on a kept-alive connection, "Authorization: Bearer Key-Alice" after "Bearer
    // key-alice" was read as the cached "Bearer key-alice". API keys are case-sensitive, so the
    // cache must be too.
    http.setHeaderCacheCaseSensitive(true);
  }
}
