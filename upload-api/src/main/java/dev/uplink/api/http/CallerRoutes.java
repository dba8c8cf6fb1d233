package dev.uplink.api.http;

import dev.uplink.api.UploadService;
import dev.uplink.core.domain.Caller;
import io.javalin.http.Context;
import java.util.LinkedHashMap;

/**
 * {@code GET /v1/me}: who the presented key speaks for, and what it may do. The web page asks it
 * right after sign-in, to show the allowed destinations and the operators' screens.
 */
final class CallerRoutes {

  static final String ME = "/v1/me";

  private final UploadService service;

  CallerRoutes(UploadService service) {
    this.service = service;
  }

  /**
   * The caller's owner name, whether it is an operator, its grants ({@code remote}, {@code
   * project}, {@code instance} patterns and {@code pathPrefix}), the largest file the server takes
   * and whether presigned uploads exist.
   */
  void me(Context ctx) {
    Caller caller = UploadRoutes.caller(ctx);
    var body = new LinkedHashMap<String, Object>();
    body.put("owner", caller.owner());
    body.put("operator", caller.operator());
    body.put(
        "destinations",
        caller.policy().grants().stream()
            .map(
                grant -> {
                  var destination = new LinkedHashMap<String, Object>();
                  destination.put("remote", grant.remotePattern());
                  destination.put("project", grant.projectPattern());
                  destination.put("instance", grant.instancePattern());
                  destination.put("pathPrefix", grant.pathPrefix());
                  return destination;
                })
            .toList());
    body.put("maxUploadBytes", service.limits().maxUploadBytes());
    body.put("presignedUploads", service.direct().isPresent());
    ctx.status(200).contentType(UploadRoutes.JSON).result(Json.bytes(body));
  }
}
