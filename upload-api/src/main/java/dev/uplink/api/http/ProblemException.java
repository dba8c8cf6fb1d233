package dev.uplink.api.http;

import dev.uplink.api.RequestRejectedException;
import dev.uplink.core.domain.TaskId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * An RFC 9457 problem to answer with, thrown by handlers and rendered by the exception mapper. The
 * message is the {@code detail} member: it goes to the client, so it never carries internals.
 */
final class ProblemException extends RuntimeException {

  static final String TYPE_BASE = "https://uplink.dev/problems/";
  static final String MEDIA_TYPE = "application/problem+json";
  static final int RETRY_AFTER_SECONDS = 5;

  private final int status;
  private final String type;
  private final String title;
  private final String field;
  private final Map<String, String> headers = new LinkedHashMap<>();
  private final Map<String, Object> extensions = new LinkedHashMap<>();

  private ProblemException(int status, String type, String title, String detail, String field) {
    super(detail, null, false, false);
    this.status = status;
    this.type = type;
    this.title = title;
    this.field = field;
  }

  static ProblemException invalidDestination(String field, String reason) {
    return new ProblemException(
        400, TYPE_BASE + "invalid-destination", "Invalid destination", field + " " + reason, field);
  }

  /** {@code field} is {@code file} for a multipart upload, null for a raw body. */
  static ProblemException emptyBody(String field) {
    return new ProblemException(
        400,
        TYPE_BASE + "empty-body",
        "Empty upload",
        "The upload has no bytes; send the file's content as the request body"
            + (field == null ? "" : " or in the '" + field + "' part"),
        field);
  }

  /** {@code partsSeen} 0 hints at a boundary that does not match the body. */
  static ProblemException missingFile(int partsSeen) {
    return new ProblemException(
        400,
        TYPE_BASE + "missing-file",
        "Missing file part",
        partsSeen == 0
            ? "The multipart body has no parts; check that the boundary in Content-Type matches"
                + " the body"
            : "The multipart body has no 'file' part",
        "file");
  }

  static ProblemException malformedMultipart(String detail) {
    return new ProblemException(
        400, TYPE_BASE + "malformed-multipart", "Malformed multipart body", detail, null);
  }

  static ProblemException incompleteBody() {
    return new ProblemException(
        400,
        TYPE_BASE + "incomplete-body",
        "Incomplete request body",
        "The request body ended before it was complete; nothing was stored",
        null);
  }

  static ProblemException unsupportedMediaType(String contentType) {
    return new ProblemException(
        415,
        TYPE_BASE + "unsupported-media-type",
        "Unsupported media type",
        "Send the file as a raw body or as multipart/form-data, not " + contentType,
        null);
  }

  static ProblemException unauthorized(boolean keyPresented) {
    var problem =
        new ProblemException(
            401,
            TYPE_BASE + "unauthorized",
            "Unauthorized",
            keyPresented
                ? "The API key is not valid"
                : "Send an API key as 'Authorization: Bearer <key>'",
            null);
    return problem.header(
        "WWW-Authenticate",
        keyPresented
            ? "Bearer realm=\"uplink\", error=\"invalid_token\""
            : "Bearer realm=\"uplink\"");
  }

  /** A user's key on an operators' endpoint. */
  static ProblemException operatorOnly() {
    return new ProblemException(
        403,
        TYPE_BASE + "operator-only",
        "Operators only",
        "This endpoint needs an operator key (UPLINK_OPERATOR_KEYS); an upload key is not one",
        null);
  }

  /** The request clashes with the state of things: {@code cause}'s message says how. */
  static ProblemException conflict(String type, String title, RuntimeException cause) {
    return new ProblemException(409, TYPE_BASE + type, title, cause.getMessage(), null);
  }

  /** A store or queue the request needs did not answer. */
  static ProblemException dependencyUnavailable(String detail) {
    return new ProblemException(
            503, TYPE_BASE + "service-unavailable", "Service unavailable", detail, null)
        .header("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
  }

  static ProblemException notFound(String detail) {
    return new ProblemException(404, TYPE_BASE + "not-found", "Not found", detail, null);
  }

  static ProblemException methodNotAllowed(String method, String allow) {
    var problem =
        new ProblemException(
            405,
            TYPE_BASE + "method-not-allowed",
            "Method not allowed",
            method + " is not allowed here" + (allow.isEmpty() ? "" : "; allowed: " + allow),
            null);
    return allow.isEmpty() ? problem : problem.header("Allow", allow);
  }

  static ProblemException serviceUnavailable(Optional<TaskId> recordedTask) {
    var problem =
        new ProblemException(
            503,
            TYPE_BASE + "service-unavailable",
            "Service unavailable",
            recordedTask.isPresent()
                ? "The upload was stored and recorded but could not be queued yet; it will be"
                    + " processed later: poll its status instead of uploading again"
                : "Storage is temporarily unavailable; nothing was kept. Retry later",
            null);
    recordedTask.ifPresent(
        id -> {
          problem.extensions.put("taskId", id.value());
          problem.extensions.put("statusUrl", UploadRoutes.statusUrl(id));
        });
    return problem.header("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
  }

  /** A request the service refused: the reason decides status and type. */
  static ProblemException rejected(RequestRejectedException e) {
    ProblemException problem =
        switch (e.reason()) {
          case INVALID ->
              new ProblemException(
                  400, TYPE_BASE + "invalid-request", "Invalid request", e.getMessage(), e.field());
          case FORBIDDEN ->
              new ProblemException(
                  403,
                  TYPE_BASE + "destination-forbidden",
                  "Destination not allowed",
                  e.getMessage(),
                  e.field());
          case NOT_FOUND -> notFound(e.getMessage());
          case WRONG_STATUS ->
              new ProblemException(
                  409, TYPE_BASE + "wrong-status", "Wrong task status", e.getMessage(), null);
          case IDEMPOTENCY_MISMATCH ->
              new ProblemException(
                  409,
                  TYPE_BASE + "idempotency-key-reused",
                  "Idempotency-Key reused for a different request",
                  e.getMessage(),
                  e.field());
          case UPLOAD_INCOMPLETE ->
              new ProblemException(
                  409, TYPE_BASE + "upload-incomplete", "Upload incomplete", e.getMessage(), null);
          case TOO_LARGE ->
              new ProblemException(
                  413, TYPE_BASE + "too-large", "File too large", e.getMessage(), e.field());
          case UPLOAD_MISMATCH ->
              new ProblemException(
                  422,
                  TYPE_BASE + "upload-mismatch",
                  "Uploaded object does not match",
                  e.getMessage(),
                  null);
        };
    e.task()
        .ifPresent(
            task -> {
              problem.extensions.put("taskId", task.id().value());
              problem.extensions.put("taskStatus", task.status().name());
            });
    return problem;
  }

  /** Too many uploads in progress: retry shortly. */
  static ProblemException tooManyUploads(int limit) {
    return new ProblemException(
            429,
            TYPE_BASE + "too-many-uploads",
            "Too many uploads in progress",
            "This server is taking " + limit + " uploads at once; retry shortly",
            null)
        .header("Retry-After", "1");
  }

  /**
   * The owner already has its share of the upload slots, while other owners keep theirs: retry when
   * one of its uploads has finished.
   */
  static ProblemException ownerShareTaken(long share, int limit) {
    return new ProblemException(
            429,
            TYPE_BASE + "too-many-uploads",
            "Too many uploads in progress",
            "Your uploads already hold "
                + share
                + " of this server's "
                + limit
                + " upload slots, the most one owner may hold; retry when one has finished",
            null)
        .header("Retry-After", "1");
  }

  /** Every byte of the streamed uploads' memory budget is in use: nothing was read or stored. */
  static ProblemException buffersBusy() {
    return new ProblemException(
            503,
            TYPE_BASE + "server-busy",
            "Server busy",
            "Every upload buffer of this server is in use; nothing was stored. Retry shortly, or"
                + " use a presigned upload, which does not pass through this server",
            null)
        .header("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
  }

  /** The body arrived slower than the floor for a whole window: the upload was ended. */
  static ProblemException uploadTooSlow(long minBytesPerSecond, long windowSeconds) {
    return new ProblemException(
            408,
            TYPE_BASE + "upload-too-slow",
            "Upload too slow",
            "The body arrived slower than "
                + minBytesPerSecond / 1024
                + " KiB/s for "
                + windowSeconds
                + " s, so the upload was ended and nothing was stored",
            null)
        .header("Connection", "close");
  }

  /** The owner already has its share of long polls open. */
  static ProblemException tooManyLongPolls(int limit) {
    return new ProblemException(
            429,
            TYPE_BASE + "too-many-long-polls",
            "Too many long polls",
            "Your key's owner already has "
                + limit
                + " long polls (?wait=) open, the most one owner may have; wait for one to"
                + " answer, or ask without wait",
            "wait")
        .header("Retry-After", "1");
  }

  /** A JSON request body longer than the API reads. */
  static ProblemException bodyTooLarge(long limit) {
    return new ProblemException(
        413,
        TYPE_BASE + "body-too-large",
        "Request body too large",
        "The request body is larger than the " + limit + " bytes this endpoint reads",
        "body");
  }

  /** A bug (not the client's fault, not an outage): logged under {@code incidentId}. */
  static ProblemException internal(String incidentId) {
    return new ProblemException(
            500,
            TYPE_BASE + "internal-error",
            "Internal server error",
            "An unexpected error occurred; it has been logged as incident " + incidentId,
            null)
        .extension("incidentId", incidentId);
  }

  /** Any other status (raised by Javalin or Jetty): RFC 9457's {@code about:blank} type. */
  static ProblemException ofStatus(int status, String title, String detail) {
    return new ProblemException(status, "about:blank", title, detail, null);
  }

  ProblemException extension(String name, Object value) {
    extensions.put(name, value);
    return this;
  }

  ProblemException header(String name, String value) {
    headers.put(name, value);
    return this;
  }

  int status() {
    return status;
  }

  String type() {
    return type;
  }

  Map<String, String> headers() {
    return headers;
  }

  /** The JSON members, in a stable order; {@code field} only when a field is at fault. */
  Map<String, Object> body() {
    var body = new LinkedHashMap<String, Object>();
    body.put("type", type);
    body.put("title", title);
    body.put("status", status);
    body.put("detail", getMessage());
    if (field != null) {
      body.put("field", field);
    }
    body.putAll(extensions);
    return body;
  }
}
