package dev.uplink.api.http;

import dev.uplink.api.EmptyUploadException;
import dev.uplink.api.RequestRejectedException;
import dev.uplink.api.UnreadableBodyException;
import dev.uplink.api.UploadService;
import dev.uplink.api.admission.FairShare;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.InvalidDestinationException;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskPage;
import dev.uplink.core.domain.TaskQuery;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Uploads streamed through the API, and reading, listing and cancelling tasks. The caller is
 * already authenticated ({@link #CALLER} is set).
 */
final class UploadRoutes {

  static final String UPLOADS = "/v1/uploads";
  static final String OWNER = "uplink.owner";
  static final String CALLER = "uplink.caller";
  static final String TASK_ID = "uplink.taskId";
  static final String UPLOADED_BYTES = "uplink.uploadedBytes";
  static final String JSON = "application/json";
  static final String IDEMPOTENCY_KEY = "Idempotency-Key";
  private static final int DEFAULT_PAGE = 20;

  private final UploadService service;
  private final MultipartUpload multipart;
  private final ApiSettings settings;
  private final UploadAdmission admission;
  private final FairShare longPolls;

  UploadRoutes(UploadService service, ApiSettings settings, UploadAdmission admission) {
    this.service = service;
    this.settings = settings;
    this.admission = admission;
    this.multipart = new MultipartUpload(service);
    this.longPolls = new FairShare(Long.MAX_VALUE, settings.admission().maxLongPollsPerOwner());
  }

  static String statusUrl(TaskId id) {
    return UPLOADS + "/" + id.value();
  }

  static Caller caller(Context ctx) {
    return ctx.attribute(CALLER);
  }

  /**
   * The owner whose tasks the caller works on. An operator owns no task: it is refused as if the
   * task were not there (404), so an operator named like a user never sees that user's tasks.
   */
  static String taskOwner(Context ctx) {
    Caller caller = caller(ctx);
    if (caller.operator()) {
      throw RequestRejectedException.notFound();
    }
    return caller.owner();
  }

  /**
   * Whose share of slots and long polls a request counts against: its owner's. Operators and owners
   * are apart, even with the same name.
   */
  static String shareKey(Caller caller) {
    return (caller.operator() ? "operator " : "owner ") + caller.owner();
  }

  static Optional<String> idempotencyKey(Context ctx) {
    return Optional.ofNullable(ctx.header(IDEMPOTENCY_KEY));
  }

  /**
   * {@code POST /v1/uploads}: a raw body (any non-multipart type) or multipart/form-data with a
   * {@code file} part. The destination and size are checked before the body is read; {@link
   * UploadAdmission} decides whether it may run now (429, 503) and ends it if it sends too slowly
   * (408).
   */
  void upload(Context ctx) throws IOException {
    long declared = ctx.req().getContentLengthLong();
    if (declared > service.limits().maxUploadBytes()) {
      throw ProblemException.rejected(
          new RequestRejectedException(
              RequestRejectedException.Reason.TOO_LARGE,
              "The body of "
                  + declared
                  + " bytes is larger than the limit of "
                  + service.limits().maxUploadBytes()
                  + " bytes",
              "Content-Length",
              Optional.empty()));
    }
    UploadTask task;
    try (var admitted = admission.admit(ctx, shareKey(caller(ctx)))) {
      try {
        task = accept(ctx, admitted.body());
      } catch (RuntimeException e) {
        throw admitted.explain(e);
      }
    }
    ctx.attribute(TASK_ID, task.id().value());
    ctx.attribute(UPLOADED_BYTES, task.size());
    String statusUrl = statusUrl(task.id());
    ctx.status(202)
        .header("Location", statusUrl)
        .contentType(JSON)
        .result(Json.bytes(Json.accepted(task, statusUrl)));
  }

  private UploadTask accept(Context ctx, InputStream body) {
    Caller caller = caller(ctx);
    String contentType = ctx.req().getContentType();
    DestinationFields fields = DestinationFields.of(ctx);
    Optional<String> key = idempotencyKey(ctx);
    if (MultipartUpload.isMultipart(contentType)) {
      if (!MultipartUpload.isFormData(contentType)) {
        throw ProblemException.unsupportedMediaType(mediaType(contentType));
      }
      return multipart.accept(ctx.req(), body, caller, fields, key);
    }
    var destination = fields.toDestination();
    try {
      return service.accept(caller, destination, body, key);
    } catch (EmptyUploadException e) {
      throw ProblemException.emptyBody(null);
    } catch (UnreadableBodyException e) {
      throw ProblemException.incompleteBody();
    }
  }

  /**
   * {@code GET /v1/uploads/{id}[?wait=SECONDS]}: the caller's own task; anything else is a 404.
   * With {@code wait}, answers as soon as the task's status or progress changes, or after that many
   * seconds (at most {@link ApiSettings#maxWait}); one owner may have only so many of those open at
   * once (429 past it).
   */
  void status(Context ctx) {
    String id = rememberId(ctx);
    Duration wait = waitOf(ctx);
    String owner = taskOwner(ctx);
    UploadTask task = wait.isZero() ? service.require(owner, id) : longPoll(ctx, owner, id, wait);
    ctx.status(200).contentType(JSON).result(Json.bytes(Json.task(task)));
  }

  private UploadTask longPoll(Context ctx, String owner, String id, Duration wait) {
    String share = shareKey(caller(ctx));
    if (longPolls.tryAcquire(share, 1) != FairShare.Outcome.GRANTED) {
      throw ProblemException.tooManyLongPolls(settings.admission().maxLongPollsPerOwner());
    }
    try {
      return service.awaitChange(owner, id, wait);
    } finally {
      longPolls.release(share, 1);
    }
  }

  /** {@code DELETE /v1/uploads/{id}}: cancels a task no worker has started. */
  void cancel(Context ctx) {
    String id = rememberId(ctx);
    UploadTask task = service.cancel(taskOwner(ctx), id);
    ctx.status(200).contentType(JSON).result(Json.bytes(Json.task(task)));
  }

  /**
   * {@code GET /v1/uploads?status=&project=&container=&limit=&cursor=}: newest first, paginated.
   */
  void list(Context ctx) {
    Caller caller = caller(ctx);
    var query =
        new TaskQuery(
            statusFilter(ctx.queryParam("status")),
            Optional.ofNullable(ctx.queryParam("container")).filter(c -> !c.isBlank()),
            intParam(ctx, "limit", DEFAULT_PAGE, 1, TaskQuery.MAX_LIMIT),
            cursor(ctx.queryParam("cursor")),
            projectFilter(ctx.queryParam("project")));
    // An operator owns no task (see taskOwner): its page is empty.
    TaskPage page =
        caller.operator()
            ? new TaskPage(List.of(), Optional.empty())
            : service.list(caller.owner(), query);
    var body = new LinkedHashMap<String, Object>();
    body.put("items", page.tasks().stream().map(Json::task).toList());
    Optional<String> next = page.next().map(UploadRoutes::encodeCursor);
    body.put("nextCursor", next.orElse(null));
    next.ifPresent(
        cursor -> ctx.header("Link", "<" + nextPageUrl(ctx, cursor) + ">; rel=\"next\""));
    ctx.status(200).contentType(JSON).result(Json.bytes(body));
  }

  /** A project name as destinations take it; a malformed one is a 400 naming {@code project}. */
  private static Optional<String> projectFilter(String project) {
    if (project == null || project.isBlank()) {
      return Optional.empty();
    }
    try {
      // Destination holds the one rule for project names: any destination in it checks it.
      return Optional.of(Destination.of("x", "/x").on(null, project).project());
    } catch (InvalidDestinationException e) {
      throw invalidParam("project", e.reason());
    }
  }

  static String rememberId(Context ctx) {
    String id = ctx.pathParam("id");
    if (TaskId.isValid(id)) {
      ctx.attribute(TASK_ID, id);
    }
    return id;
  }

  private Duration waitOf(Context ctx) {
    String wait = ctx.queryParam("wait");
    if (wait == null || wait.isBlank()) {
      return Duration.ZERO;
    }
    long seconds;
    try {
      seconds = Long.parseLong(wait.strip());
    } catch (NumberFormatException e) {
      throw invalidParam("wait", "must be a whole number of seconds");
    }
    if (seconds < 0) {
      throw invalidParam("wait", "must not be negative");
    }
    return Duration.ofSeconds(Math.min(seconds, settings.maxWait().toSeconds()));
  }

  private static Optional<TaskStatus> statusFilter(String status) {
    if (status == null || status.isBlank()) {
      return Optional.empty();
    }
    try {
      return Optional.of(TaskStatus.valueOf(status.strip().toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      throw invalidParam("status", "must be one of " + Arrays.toString(TaskStatus.values()));
    }
  }

  /** The whole-number query parameter {@code name}, {@code min} to {@code max}, or a default. */
  static int intParam(Context ctx, String name, int defaultValue, int min, int max) {
    String text = ctx.queryParam(name);
    if (text == null || text.isBlank()) {
      return defaultValue;
    }
    try {
      int value = Integer.parseInt(text.strip());
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw invalidParam(name, "must be a whole number from " + min + " to " + max);
  }

  private static Optional<TaskId> cursor(String cursor) {
    if (cursor == null || cursor.isBlank()) {
      return Optional.empty();
    }
    try {
      String id =
          new String(Base64.getUrlDecoder().decode(cursor.strip()), StandardCharsets.US_ASCII);
      if (TaskId.isValid(id)) {
        return Optional.of(new TaskId(id));
      }
    } catch (IllegalArgumentException e) {
      // answered below
    }
    throw invalidParam("cursor", "is not a cursor this API returned");
  }

  private static String encodeCursor(TaskId id) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(id.value().getBytes(StandardCharsets.US_ASCII));
  }

  private static String nextPageUrl(Context ctx, String cursor) {
    var query = new StringBuilder(UPLOADS).append("?cursor=").append(cursor);
    for (String name : new String[] {"status", "project", "container", "limit"}) {
      String value = ctx.queryParam(name);
      if (value != null && !value.isBlank()) {
        query
            .append('&')
            .append(name)
            .append('=')
            .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
      }
    }
    return query.toString();
  }

  static ProblemException invalidParam(String field, String reason) {
    return invalidRequest(field, field + " " + reason);
  }

  /** A 400 naming {@code field}, with {@code detail} as the whole message. */
  static ProblemException invalidRequest(String field, String detail) {
    return ProblemException.rejected(RequestRejectedException.invalid(field, detail));
  }

  static String mediaType(String contentType) {
    int semicolon = contentType.indexOf(';');
    String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip();
    return type.length() > 100 ? type.substring(0, 100) : type;
  }
}
