package dev.uplink.api.http;

import dev.uplink.api.ServiceUnavailableException;
import dev.uplink.api.UploadService;
import dev.uplink.core.domain.InvalidDestinationException;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
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
 * unsupported-media-type} (415), {@code service-unavailable} (503, {@code Retry-After}), {@code
 * internal-error} (500); other statuses use {@code about:blank}.
 *
 * <p>Bodies are streamed: the request size limit of Javalin ({@code http.maxRequestSize}) only
 * governs {@code ctx.body()}, which this API never calls, and Jetty sets no limit on a streamed
 * body, so uploads of any size are accepted.
 */
public final class UploadApi implements AutoCloseable {

  /** How long a connection may stay silent (no byte either way) before Jetty closes it. */
  public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);

  private static final Logger LOG = LoggerFactory.getLogger(UploadApi.class);
  private static final Logger ACCESS = LoggerFactory.getLogger("dev.uplink.api.http.access");

  private final Javalin app;

  private UploadApi(Javalin app) {
    this.app = app;
  }

  /** Starts the API on all interfaces; port 0 picks a free port (see {@link #port()}). */
  public static UploadApi start(
      int port, Map<String, String> apiKeysToOwners, UploadService service) {
    return start("0.0.0.0", port, apiKeysToOwners, service);
  }

  /**
   * Starts the API on one interface.
   *
   * @param host the address to bind, e.g. {@code 127.0.0.1} or {@code 0.0.0.0}
   * @param port the port; 0 picks a free one
   * @param apiKeysToOwners API key to the owner its tasks belong to
   * @param service the upload use case
   */
  public static UploadApi start(
      String host, int port, Map<String, String> apiKeysToOwners, UploadService service) {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(service, "service");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0-65535, got " + port);
    }
    var authenticator = new ApiKeyAuthenticator(Map.copyOf(apiKeysToOwners));
    var routes = new UploadRoutes(service);
    Javalin app = Javalin.create(config -> configure(config, host, port, authenticator, routes));
    app.start();
    return new UploadApi(app);
  }

  /** The port the server listens on. */
  public int port() {
    return app.port();
  }

  /** Stops accepting connections and stops the server. */
  @Override
  public void close() {
    app.stop();
  }

  private static void configure(
      JavalinConfig config,
      String host,
      int port,
      ApiKeyAuthenticator authenticator,
      UploadRoutes routes) {
    config.startup.showJavalinBanner = false;
    config.startup.showOldJavalinVersionWarning = false;

    // Platform threads only for Jetty's selector and acceptor; every request is handled on a
    // virtual thread, so a slow upload blocks nothing but itself.
    config.concurrency.useVirtualThreads = true;
    var threads = new QueuedThreadPool();
    threads.setName("uplink-http");
    threads.setVirtualThreadsExecutor(VirtualThreads.getNamedVirtualThreadsExecutor("uplink-req"));
    config.jetty.threadPool = threads;
    config.jetty.addConnector(
        (server, http) -> {
          http.setSendServerVersion(false);
          http.setSendXPoweredBy(false);
          // Jetty caches known header fields per connection and by default matches that cache
          // ignoring case: on a kept-alive connection, "Authorization: Bearer Key-Alice" after
          // "Bearer key-alice" was read as the cached "Bearer key-alice". API keys are
          // case-sensitive, so the cache must be too.
          http.setHeaderCacheCaseSensitive(true);
          var connector = new ServerConnector(server, new HttpConnectionFactory(http));
          connector.setHost(host);
          connector.setPort(port);
          connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
          return connector;
        });
    config.jetty.modifyServer(server -> server.setErrorHandler(new ProblemErrorHandler()));

    // Only ctx.body()/bodyAsBytes() honour this limit, and nothing here calls them: uploads are
    // streamed from the request input stream, so their size is not limited by it.
    config.http.maxRequestSize = 64 * 1024;
    config.http.prefer405over404 = true;

    config.routes.before(ctx -> authenticate(ctx, authenticator));
    config.routes.post(UploadRoutes.UPLOADS, routes::upload);
    config.routes.get(UploadRoutes.UPLOADS + "/{id}", routes::status);
    // Explicit, or Javalin would answer HEAD with an empty 200 without running the handler.
    config.routes.head(UploadRoutes.UPLOADS + "/{id}", routes::status);

    config.routes.exception(ProblemException.class, (e, ctx) -> respond(ctx, e));
    config.routes.exception(
        InvalidDestinationException.class,
        (e, ctx) -> respond(ctx, ProblemException.invalidDestination(e.field(), e.reason())));
    config.routes.exception(
        ServiceUnavailableException.class,
        (e, ctx) -> {
          LOG.warn("{} {}: {}", ctx.method(), ctx.path(), e.getMessage(), e);
          e.recordedTask().ifPresent(id -> ctx.attribute(UploadRoutes.TASK_ID, id.value()));
          respond(ctx, ProblemException.serviceUnavailable(e.recordedTask()));
        });
    config.routes.exception(
        HttpResponseException.class, (e, ctx) -> respond(ctx, fromJavalin(ctx, e)));
    config.routes.exception(
        Exception.class,
        (e, ctx) -> {
          LOG.error("{} {} failed unexpectedly", ctx.method(), ctx.path(), e);
          respond(ctx, ProblemException.internal());
        });

    config.requestLogger.http(UploadApi::logOutcome);
  }

  private static void authenticate(Context ctx, ApiKeyAuthenticator authenticator) {
    String authorization = ctx.header("Authorization");
    String owner =
        authenticator
            .ownerOf(authorization)
            .orElseThrow(
                () ->
                    ProblemException.unauthorized(ApiKeyAuthenticator.presentsKey(authorization)));
    ctx.attribute(UploadRoutes.OWNER, owner);
  }

  private static ProblemException fromJavalin(Context ctx, HttpResponseException e) {
    int status = e.getStatus();
    if (status == 404) {
      return ProblemException.notFound("No such resource");
    }
    if (status == 405) {
      return ProblemException.methodNotAllowed(ctx.method().name(), allowedMethods(ctx.path()));
    }
    String title = HttpStatus.getMessage(status);
    return ProblemException.ofStatus(status, title, title);
  }

  private static String allowedMethods(String path) {
    if (path.equals(UploadRoutes.UPLOADS) || path.equals(UploadRoutes.UPLOADS + "/")) {
      return "POST";
    }
    return path.startsWith(UploadRoutes.UPLOADS + "/") ? "GET, HEAD" : "";
  }

  private static void respond(Context ctx, ProblemException problem) {
    ctx.status(problem.status());
    problem.headers().forEach(ctx::header);
    ctx.contentType(ProblemException.MEDIA_TYPE).result(Json.bytes(problem.body()));
  }

  /** One line per request; never the Authorization header, never a body. */
  private static void logOutcome(Context ctx, Float millis) {
    Object owner = ctx.attribute(UploadRoutes.OWNER);
    Object task = ctx.attribute(UploadRoutes.TASK_ID);
    ACCESS.info(
        "{} {} {} owner={} task={} {}ms",
        ctx.method().name(),
        ctx.path(),
        ctx.statusCode(),
        owner == null ? "-" : owner,
        task == null ? "-" : task,
        Math.round(millis));
  }
}
