package dev.uplink.api.http;

import dev.uplink.api.DependencyFailedException;
import dev.uplink.api.Outages;
import dev.uplink.api.RequestRejectedException;
import dev.uplink.api.UploadService;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.DependencyException;
import dev.uplink.core.domain.InvalidDestinationException;
import dev.uplink.core.logging.InvocationLogContext;
import dev.uplink.core.logging.TaskLogContext;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.router.Endpoint;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.eclipse.jetty.http.HttpStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The API as a Javalin application, independent of how requests arrive: the embedded server ({@link
 * UploadApi}) and the Lambda adapter install the same routes, filters and error mapping.
 */
final class ApiApplication {

  private static final Logger LOG = LoggerFactory.getLogger(ApiApplication.class);
  private static final Logger ACCESS = LoggerFactory.getLogger("dev.uplink.api.http.access");

  /**
   * The largest JSON body read (declarations, redrive requests): {@code ctx.bodyAsBytes()} refuses
   * longer ones with 413. Uploads are streamed from the request input stream, never read this way,
   * so their size is not limited by it.
   */
  static final int MAX_JSON_BODY = 64 * 1024;

  private ApiApplication() {}

  /**
   * Installs the API on {@code config}; with {@code invocationHeaders} (the in-memory API behind
   * the Lambda adapter, never a socket) each request's log lines carry the Lambda invocation its
   * adapter names in {@link UploadApi#INVOCATION_ID_HEADER}. {@code metrics} counts every request.
   */
  static void install(
      JavalinConfig config,
      ApiSettings settings,
      UploadService service,
      boolean invocationHeaders,
      RequestMetrics metrics) {
    var authenticator = new ApiKeyAuthenticator(settings.callers());
    var admission = new UploadAdmission(settings);
    config.events.serverStopped(admission::close);
    LOG.info(
        "Streamed uploads: {} at once ({} per owner), {} MiB of part buffers ({} MiB per owner),"
            + " at least {} KiB/s over {} s; {} long polls per owner",
        settings.maxConcurrentUploads(),
        settings.admission().maxUploadsPerOwner(),
        admission.buffers().budget() >> 20,
        admission.buffers().perOwner() >> 20,
        settings.admission().minUploadBytesPerSecond() / 1024,
        settings.admission().minUploadRateWindow().toSeconds(),
        settings.admission().maxLongPollsPerOwner());
    Outages outages = service.outages();

    config.http.maxRequestSize = MAX_JSON_BODY;
    config.http.prefer405over404 = true;

    config.routes.before(
        ctx -> {
          MDC.clear();
          if (invocationHeaders) {
            logInvocation(ctx);
          }
          if (!ctx.path().equals(OpenApiDocument.PATH)
              && !ProbeRoutes.PUBLIC.contains(ctx.path())
              && !WebPage.isPublic(ctx.path())) {
            authenticate(ctx, authenticator);
          }
        });
    List<Route> api = routes(settings, service, admission, authenticator);
    // The web page is no operation of the API (openapi.json describes exactly the table above).
    var web = new WebPage(settings.browserUploadOrigins());
    List<Route> page =
        List.of(
            new Route(HandlerType.GET, WebPage.INDEX, web::index),
            new Route(HandlerType.GET, WebPage.ASSETS + "{file}", web::asset));
    List<Route> table = Stream.concat(api.stream(), page.stream()).toList();
    for (Route route : table) {
      config.routes.addEndpoint(new Endpoint(route.method(), route.path(), route.handler()));
    }
    config.routes.exception(
        HttpResponseException.class, (e, ctx) -> respond(ctx, fromJavalin(ctx, e, table)));

    config.routes.exception(ProblemException.class, (e, ctx) -> respond(ctx, e));
    config.routes.exception(
        RequestRejectedException.class, (e, ctx) -> respond(ctx, ProblemException.rejected(e)));
    config.routes.exception(
        InvalidDestinationException.class,
        (e, ctx) -> respond(ctx, ProblemException.invalidDestination(e.field(), e.reason())));
    config.routes.exception(
        DependencyFailedException.class,
        (e, ctx) -> {
          e.recordedTask().ifPresent(id -> ctx.attribute(UploadRoutes.TASK_ID, id.value()));
          if (!outages.isOutage(e.getCause())) {
            // Retrying will not cure it: a bug, or an item the store cannot read.
            ProblemException problem = incident(ctx, e);
            e.recordedTask()
                .ifPresent(
                    id ->
                        problem
                            .extension("taskId", id.value())
                            .extension("statusUrl", UploadRoutes.statusUrl(id)));
            respond(ctx, problem);
            return;
          }
          LOG.warn("{} {}: {}", ctx.method(), ctx.path(), e.getMessage(), e);
          respond(ctx, ProblemException.serviceUnavailable(e.recordedTask()));
        });
    // A dependency's failure the services did not wrap (they name the dependency when they do).
    config.routes.exception(
        DependencyException.class,
        (e, ctx) -> {
          if (!outages.isOutage(e)) {
            respond(ctx, incident(ctx, e)); // refused as asked: retrying will not cure it
            return;
          }
          LOG.warn("{} {}: {}", ctx.method(), ctx.path(), e.getMessage(), e);
          respond(ctx, ProblemException.serviceUnavailable(Optional.empty()));
        });
    config.routes.exception(Exception.class, (e, ctx) -> respond(ctx, incident(ctx, e)));

    config.requestLogger.http(
        (ctx, millis) -> {
          try {
            metrics.served(served(ctx, millis));
          } finally {
            logOutcome(ctx, millis);
          }
        });
  }

  /** One endpoint of the API: registered from here, and described by {@code /openapi.json}. */
  record Route(HandlerType method, String path, Handler handler) {
    boolean matches(String requestPath) {
      return Pattern.compile(path.replaceAll("\\{[^/]+}", "[^/]+")).matcher(requestPath).matches();
    }
  }

  /** Every endpoint, in one table (for the document's test: nothing is started). */
  static List<Route> routes(ApiSettings settings, UploadService service) {
    return routes(
        settings,
        service,
        new UploadAdmission(settings),
        new ApiKeyAuthenticator(settings.callers()));
  }

  private static List<Route> routes(
      ApiSettings settings,
      UploadService service,
      UploadAdmission admission,
      ApiKeyAuthenticator authenticator) {
    var routes = new UploadRoutes(service, settings, admission);
    var probes = new ProbeRoutes(settings.probes(), authenticator);
    var operators = new OperatorRoutes(settings.operators(), service.outages());
    var callers = new CallerRoutes(service);
    var webhooks = new WebhookRoutes(settings.webhooks());
    String webhook = WebhookRoutes.WEBHOOKS + "/{id}";
    String uploads = UploadRoutes.UPLOADS;
    String task = uploads + "/{id}";
    String dlq = OperatorRoutes.DLQ;
    return List.of(
        new Route(HandlerType.GET, OpenApiDocument.PATH, OpenApiDocument::serve),
        new Route(HandlerType.GET, ProbeRoutes.HEALTH, probes::health),
        new Route(HandlerType.GET, ProbeRoutes.READY, probes::ready),
        new Route(HandlerType.GET, ProbeRoutes.METRICS, probes::metrics),
        new Route(HandlerType.GET, CallerRoutes.ME, callers::me),
        new Route(HandlerType.POST, uploads, routes::upload),
        new Route(HandlerType.GET, uploads, routes::list),
        new Route(HandlerType.GET, task, routes::status),
        // Explicit, or Javalin would answer HEAD with an empty 200 without running the handler.
        new Route(HandlerType.HEAD, task, routes::status),
        new Route(HandlerType.DELETE, task, routes::cancel),
        new Route(
            HandlerType.POST, uploads + "/presign", direct(service, DirectUploadRoutes::presign)),
        new Route(
            HandlerType.POST,
            uploads + "/multipart",
            direct(service, DirectUploadRoutes::startMultipart)),
        new Route(HandlerType.GET, task + "/parts", direct(service, DirectUploadRoutes::listParts)),
        new Route(
            HandlerType.POST,
            task + "/parts/{partNumber}",
            direct(service, DirectUploadRoutes::presignPart)),
        new Route(
            HandlerType.POST, task + "/complete", direct(service, DirectUploadRoutes::complete)),
        new Route(HandlerType.POST, task + "/retry", operators.guard(operators::retry)),
        new Route(HandlerType.GET, dlq, operators.guard(operators::list)),
        new Route(HandlerType.POST, dlq + "/redrive", operators.guard(operators::redrive)),
        new Route(HandlerType.GET, dlq + "/{id}", operators.guard(operators::show)),
        new Route(HandlerType.POST, WebhookRoutes.WEBHOOKS, webhooks.guard(webhooks::register)),
        new Route(HandlerType.GET, WebhookRoutes.WEBHOOKS, webhooks.guard(webhooks::list)),
        new Route(HandlerType.GET, webhook, webhooks.guard(webhooks::show)),
        new Route(HandlerType.DELETE, webhook, webhooks.guard(webhooks::delete)),
        new Route(HandlerType.GET, webhook + "/deliveries", webhooks.guard(webhooks::deliveries)));
  }

  /** A presigned-upload handler, or 501 when the object store offers no presigned uploads. */
  private static Handler direct(
      UploadService service, BiConsumer<DirectUploadRoutes, Context> handler) {
    Optional<DirectUploadRoutes> routes = service.direct().map(DirectUploadRoutes::new);
    return ctx ->
        handler.accept(
            routes.orElseThrow(
                () ->
                    ProblemException.ofStatus(
                        501,
                        "Not implemented",
                        "Presigned uploads are not available on this server")),
            ctx);
  }

  /**
   * The invocation's fields on this request's thread, until {@link #logOutcome} clears them with
   * the rest when the request ends.
   */
  @SuppressWarnings("resource") // closed by clearing the thread's fields, see above
  private static void logInvocation(Context ctx) {
    String requestId = ctx.header(UploadApi.INVOCATION_ID_HEADER);
    if (requestId != null) {
      InvocationLogContext.continuing(
          requestId, Boolean.parseBoolean(ctx.header(UploadApi.INVOCATION_COLD_START_HEADER)));
    }
  }

  private static void authenticate(Context ctx, ApiKeyAuthenticator authenticator) {
    String authorization = ctx.header("Authorization");
    Caller caller =
        authenticator
            .callerOf(authorization)
            .orElseThrow(
                () ->
                    ProblemException.unauthorized(ApiKeyAuthenticator.presentsKey(authorization)));
    ctx.attribute(UploadRoutes.CALLER, caller);
    ctx.attribute(UploadRoutes.OWNER, caller.owner());
    MDC.put(TaskLogContext.OWNER, caller.owner());
  }

  private static ProblemException fromJavalin(
      Context ctx, HttpResponseException e, List<Route> table) {
    int status = e.getStatus();
    if (status == 413) {
      return ProblemException.bodyTooLarge(MAX_JSON_BODY);
    }
    if (status == 404) {
      return ProblemException.notFound("No such resource");
    }
    if (status == 405) {
      return ProblemException.methodNotAllowed(
          ctx.method().name(), allowedMethods(ctx.path(), table));
    }
    String title = HttpStatus.getMessage(status);
    return ProblemException.ofStatus(status, title, title);
  }

  private static String allowedMethods(String path, List<Route> table) {
    return table.stream()
        .filter(route -> route.matches(path))
        .map(route -> route.method().name())
        .distinct()
        .collect(Collectors.joining(", "));
  }

  /**
   * A 500 for a failure nobody foresaw: logged once, with its cause, under an incident id the
   * answer repeats, so a report from the client leads to the log line.
   */
  private static ProblemException incident(Context ctx, Exception failure) {
    String incidentId = UUID.randomUUID().toString();
    LOG.error(
        "Incident {}: {} {} failed unexpectedly", incidentId, ctx.method(), ctx.path(), failure);
    return ProblemException.internal(incidentId);
  }

  private static void respond(Context ctx, ProblemException problem) {
    ctx.status(problem.status());
    problem.headers().forEach(ctx::header);
    ctx.contentType(ProblemException.MEDIA_TYPE).result(Json.bytes(problem.body()));
  }

  private static RequestMetrics.ServedRequest served(Context ctx, Float millis) {
    Endpoint endpoint = ctx.endpoints().lastHttpEndpoint();
    String route =
        endpoint == null
            ? RequestMetrics.ServedRequest.UNMATCHED
            : endpoint.method.name() + " " + endpoint.path;
    Object uploaded = ctx.attribute(UploadRoutes.UPLOADED_BYTES);
    return new RequestMetrics.ServedRequest(
        route,
        ctx.statusCode(),
        Duration.ofNanos(Math.round(millis * 1_000_000.0)),
        uploaded instanceof Long bytes ? bytes : 0);
  }

  /**
   * One line per request; never the Authorization header, never a body, never a query string (a
   * presigned URL's signature must not reach the logs, and ours carry none worth keeping).
   */
  private static void logOutcome(Context ctx, Float millis) {
    Object owner = ctx.attribute(UploadRoutes.OWNER);
    Object task = ctx.attribute(UploadRoutes.TASK_ID);
    if (task != null) {
      MDC.put(TaskLogContext.TASK_ID, task.toString());
    }
    ACCESS.info(
        "{} {} {} owner={} task={} {}ms",
        ctx.method().name(),
        ctx.path(),
        ctx.statusCode(),
        owner == null ? "-" : owner,
        task == null ? "-" : task,
        Math.round(millis));
    MDC.clear(); // the server's threads are pooled: the next request starts clean
  }
}
