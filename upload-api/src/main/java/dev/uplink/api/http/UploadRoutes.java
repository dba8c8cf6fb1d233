package dev.uplink.api.http;

import dev.uplink.api.EmptyUploadException;
import dev.uplink.api.UnreadableBodyException;
import dev.uplink.api.UploadService;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.UploadTask;
import io.javalin.http.Context;
import java.io.IOException;

/** The two endpoints. The caller is already authenticated ({@link #OWNER} is set). */
final class UploadRoutes {

  static final String UPLOADS = "/v1/uploads";
  static final String OWNER = "uplink.owner";
  static final String TASK_ID = "uplink.taskId";
  private static final String JSON = "application/json";

  private final UploadService service;
  private final MultipartUpload multipart;

  UploadRoutes(UploadService service) {
    this.service = service;
    this.multipart = new MultipartUpload(service);
  }

  static String statusUrl(TaskId id) {
    return UPLOADS + "/" + id.value();
  }

  /**
   * {@code POST /v1/uploads}: a raw body (any non-multipart type) or multipart/form-data with a
   * {@code file} part. The destination is validated before the body is read.
   */
  void upload(Context ctx) throws IOException {
    String owner = ctx.attribute(OWNER);
    String contentType = ctx.req().getContentType();
    DestinationFields fields = DestinationFields.of(ctx);
    UploadTask task;
    if (MultipartUpload.isMultipart(contentType)) {
      if (!MultipartUpload.isFormData(contentType)) {
        throw ProblemException.unsupportedMediaType(mediaType(contentType));
      }
      task = multipart.accept(ctx.req(), owner, fields);
    } else {
      var destination = fields.toDestination();
      try {
        task = service.accept(owner, destination, ctx.req().getInputStream());
      } catch (EmptyUploadException e) {
        throw ProblemException.emptyBody(null);
      } catch (UnreadableBodyException e) {
        throw ProblemException.incompleteBody();
      }
    }
    ctx.attribute(TASK_ID, task.id().value());
    String statusUrl = statusUrl(task.id());
    ctx.status(202)
        .header("Location", statusUrl)
        .contentType(JSON)
        .result(Json.bytes(Json.accepted(task, statusUrl)));
  }

  /** {@code GET /v1/uploads/{id}}: the caller's own task; anything else is a 404. */
  void status(Context ctx) {
    String owner = ctx.attribute(OWNER);
    String id = ctx.pathParam("id");
    if (TaskId.isValid(id)) {
      ctx.attribute(TASK_ID, id);
    }
    UploadTask task =
        service
            .find(owner, id)
            .orElseThrow(() -> ProblemException.notFound("There is no upload task with this id"));
    ctx.status(200).contentType(JSON).result(Json.bytes(Json.task(task)));
  }

  private static String mediaType(String contentType) {
    int semicolon = contentType.indexOf(';');
    String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip();
    return type.length() > 100 ? type.substring(0, 100) : type;
  }
}
