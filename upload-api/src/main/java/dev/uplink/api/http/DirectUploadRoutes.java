package dev.uplink.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.api.DirectUploadService;
import dev.uplink.api.RequestRejectedException;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.DirectUpload;
import dev.uplink.core.domain.DirectUploads.PresignedRequest;
import dev.uplink.core.domain.DirectUploads.UploadedPart;
import dev.uplink.core.domain.UploadTask;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Presigned uploads: the client declares the file (destination, size, SHA-256) as JSON, uploads the
 * bytes straight to the object store with the URLs it gets, then completes.
 */
final class DirectUploadRoutes {

  private final DirectUploadService service;

  DirectUploadRoutes(DirectUploadService service) {
    this.service = service;
  }

  static String completeUrl(UploadTask task) {
    return UploadRoutes.statusUrl(task.id()) + "/complete";
  }

  static String partsUrl(UploadTask task) {
    return UploadRoutes.statusUrl(task.id()) + "/parts";
  }

  /** {@code POST /v1/uploads/presign}: a task AWAITING_UPLOAD and a presigned PUT URL. */
  void presign(Context ctx) {
    Declaration declared = Declaration.of(ctx);
    if (declared.partChecksums()) {
      throw UploadRoutes.invalidParam(
          "partChecksums",
          "is for multipart uploads: one PUT is signed with the file's SHA-256 already");
    }
    DirectUploadService.Ticket ticket =
        service.presignPut(
            UploadRoutes.caller(ctx),
            declared.destination(),
            declared.size(),
            declared.sha256(),
            UploadRoutes.idempotencyKey(ctx));
    UploadTask task = ticket.task();
    var body = created(ctx, task);
    body.put("upload", ticket.put().map(DirectUploadRoutes::request).orElse(null));
    ctx.result(Json.bytes(body));
  }

  /** {@code POST /v1/uploads/multipart}: a task AWAITING_UPLOAD in parts. */
  void startMultipart(Context ctx) {
    Declaration declared = Declaration.of(ctx);
    UploadTask task =
        service.startMultipart(
            UploadRoutes.caller(ctx),
            declared.destination(),
            declared.size(),
            declared.sha256(),
            declared.partChecksums(),
            UploadRoutes.idempotencyKey(ctx));
    ctx.result(Json.bytes(created(ctx, task)));
  }

  /**
   * {@code POST /v1/uploads/{id}/parts/{partNumber}[?sha256=HEX]}: a presigned URL for one part,
   * signing the part's SHA-256 when given.
   */
  void presignPart(Context ctx) {
    String id = UploadRoutes.rememberId(ctx);
    int partNumber = partNumber(ctx.pathParam("partNumber"));
    PresignedRequest part =
        service.presignPart(
            UploadRoutes.taskOwner(ctx),
            id,
            partNumber,
            Optional.ofNullable(ctx.queryParam("sha256")));
    var body = new LinkedHashMap<String, Object>();
    body.put("partNumber", partNumber);
    body.putAll(request(part));
    ctx.status(200).contentType(UploadRoutes.JSON).result(Json.bytes(body));
  }

  /** {@code GET /v1/uploads/{id}/parts}: the parts the store holds, to resume an upload. */
  void listParts(Context ctx) {
    String id = UploadRoutes.rememberId(ctx);
    List<UploadedPart> parts = service.listParts(UploadRoutes.taskOwner(ctx), id);
    var body = new LinkedHashMap<String, Object>();
    body.put(
        "parts",
        parts.stream()
            .map(
                p -> {
                  var part = new LinkedHashMap<String, Object>();
                  part.put("partNumber", p.number());
                  part.put("size", p.size());
                  part.put("etag", p.etag());
                  p.sha256Hex().ifPresent(sha256 -> part.put("sha256", sha256));
                  return part;
                })
            .toList());
    ctx.status(200).contentType(UploadRoutes.JSON).result(Json.bytes(body));
  }

  /** {@code POST /v1/uploads/{id}/complete}: checks the upload and queues the task. */
  void complete(Context ctx) {
    String id = UploadRoutes.rememberId(ctx);
    UploadTask task = service.complete(UploadRoutes.taskOwner(ctx), id);
    ctx.status(202)
        .header("Location", UploadRoutes.statusUrl(task.id()))
        .contentType(UploadRoutes.JSON)
        .result(Json.bytes(Json.task(task)));
  }

  private static Map<String, Object> created(Context ctx, UploadTask task) {
    ctx.attribute(UploadRoutes.TASK_ID, task.id().value());
    String statusUrl = UploadRoutes.statusUrl(task.id());
    ctx.status(201).header("Location", statusUrl).contentType(UploadRoutes.JSON);
    var body = new LinkedHashMap<String, Object>();
    body.put("id", task.id().value());
    body.put("status", task.status().name());
    body.put("statusUrl", statusUrl);
    body.put("completeUrl", completeUrl(task));
    DirectUpload upload = task.directUpload().orElseThrow();
    if (upload.isMultipart()) {
      body.put("partsUrl", partsUrl(task));
      body.put("partSize", upload.partSize());
      body.put("partCount", upload.partCount(task.size()));
    }
    body.put("expiresAt", Json.timestamp(upload.expiresAt()));
    return body;
  }

  private static Map<String, Object> request(PresignedRequest request) {
    var body = new LinkedHashMap<String, Object>();
    body.put("method", request.method());
    body.put("url", request.url().toString());
    body.put("headers", new TreeMap<>(request.headers()));
    body.put("expiresAt", Json.timestamp(request.expiresAt()));
    return body;
  }

  private static int partNumber(String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw UploadRoutes.invalidParam("partNumber", "must be a whole number");
    }
  }

  /** The JSON body of presign and multipart requests. */
  private record Declaration(
      Destination destination, long size, String sha256, boolean partChecksums) {

    private static final List<String> FIELDS =
        List.of(
            "project",
            "container",
            "path",
            "mode",
            "uid",
            "gid",
            "size",
            "sha256",
            "partChecksums");

    static Declaration of(Context ctx) {
      String contentType = ctx.req().getContentType();
      if (contentType == null
          || !UploadRoutes.mediaType(contentType).equalsIgnoreCase("application/json")) {
        throw ProblemException.unsupportedMediaType(
            contentType == null ? "(none)" : UploadRoutes.mediaType(contentType));
      }
      JsonNode body = Json.parseObject(ctx.bodyAsBytes());
      body.fieldNames()
          .forEachRemaining(
              name -> {
                if (!FIELDS.contains(name)) {
                  throw UploadRoutes.invalidParam(name, "is not a field of this request");
                }
              });
      Destination destination =
          Destination.parse(
              text(body, "container"),
              text(body, "project"),
              text(body, "path"),
              mode(body),
              text(body, "uid"),
              text(body, "gid"));
      JsonNode size = body.get("size");
      if (size == null || !size.canConvertToLong() || !size.isIntegralNumber()) {
        throw UploadRoutes.invalidParam("size", "must be the file's length in bytes");
      }
      String sha256 = text(body, "sha256");
      if (sha256 == null) {
        throw ProblemException.rejected(
            RequestRejectedException.invalid(
                "sha256", "sha256 is required: the file's SHA-256 as 64 lowercase hex digits"));
      }
      return new Declaration(destination, size.asLong(), sha256, partChecksums(body));
    }

    /** Whether every part's URL will be asked for with the part's SHA-256; false if absent. */
    private static boolean partChecksums(JsonNode body) {
      JsonNode value = body.get("partChecksums");
      if (value == null || value.isNull()) {
        return false;
      }
      if (!value.isBoolean()) {
        throw UploadRoutes.invalidParam("partChecksums", "must be true or false");
      }
      return value.booleanValue();
    }

    /**
     * The mode as text: a JSON number is its decimal digits read as octal, at least three of them
     * ({@code 640} is 0640, {@code 44} is 0044), since a number cannot carry the leading zeros.
     */
    private static String mode(JsonNode body) {
      JsonNode value = body.get("mode");
      if (value != null
          && value.isIntegralNumber()
          && value.canConvertToLong()
          && value.asLong() >= 0) {
        return String.format("%03d", value.asLong());
      }
      return text(body, "mode");
    }

    private static String text(JsonNode body, String field) {
      JsonNode value = body.get(field);
      if (value == null || value.isNull()) {
        return null;
      }
      if (value.isTextual() || value.isIntegralNumber()) {
        return value.asText();
      }
      throw UploadRoutes.invalidParam(field, "must be a string");
    }
  }
}
