package dev.uplink.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.api.WebhookService;
import dev.uplink.core.domain.webhooks.DeliveryAttempt;
import dev.uplink.core.domain.webhooks.WebhookEndpoint;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /v1/webhooks}: an owner registers, lists and deletes the endpoints their task events are
 * sent to, and reads the delivery attempts of one. Another owner's endpoint is 404, as a task is.
 */
final class WebhookRoutes {

  static final String WEBHOOKS = "/v1/webhooks";

  private final Optional<WebhookService> webhooks;

  WebhookRoutes(Optional<WebhookService> webhooks) {
    this.webhooks = webhooks;
  }

  /** {@code POST /v1/webhooks} {@code {"url": "https://...", "events": ["upload.done"]}}: 201. */
  void register(Context ctx, WebhookService service) {
    JsonNode body = Json.parseObject(ctx.bodyAsBytes());
    JsonNode url = body.path("url");
    if (!url.isTextual()) {
      throw UploadRoutes.invalidParam("url", "is required: the https URL to send events to");
    }
    var events = new ArrayList<String>();
    JsonNode eventNodes = body.path("events");
    if (!eventNodes.isMissingNode() && !eventNodes.isNull()) {
      if (!eventNodes.isArray()) {
        throw UploadRoutes.invalidParam("events", "must be an array of event types");
      }
      for (JsonNode event : eventNodes) {
        if (!event.isTextual()) {
          throw UploadRoutes.invalidParam("events", "must be an array of event types");
        }
        events.add(event.asText());
      }
    }
    WebhookEndpoint endpoint =
        service.register(UploadRoutes.caller(ctx).owner(), url.asText(), events);
    Map<String, Object> json = endpoint(endpoint);
    json.put("secret", endpoint.secret().value()); // this once, never again
    ctx.status(201)
        .header("Location", WEBHOOKS + "/" + endpoint.id())
        .header("Cache-Control", "no-store")
        .contentType(UploadRoutes.JSON)
        .result(Json.bytes(json));
  }

  /** {@code GET /v1/webhooks}: the caller's endpoints, oldest first, without their secrets. */
  void list(Context ctx, WebhookService service) {
    ok(
        ctx,
        Map.of(
            "items",
            service.list(UploadRoutes.caller(ctx).owner()).stream()
                .map(WebhookRoutes::endpoint)
                .toList()));
  }

  /** {@code GET /v1/webhooks/{id}}. */
  void show(Context ctx, WebhookService service) {
    ok(ctx, endpoint(service.find(owner(ctx), ctx.pathParam("id")).orElseThrow(this::notFound)));
  }

  /** {@code DELETE /v1/webhooks/{id}}: the endpoint deleted; nothing more is delivered there. */
  void delete(Context ctx, WebhookService service) {
    WebhookEndpoint endpoint =
        service.find(owner(ctx), ctx.pathParam("id")).orElseThrow(this::notFound);
    if (!service.delete(owner(ctx), endpoint.id())) {
      throw notFound(); // deleted meanwhile
    }
    ok(ctx, endpoint(endpoint));
  }

  /** {@code GET /v1/webhooks/{id}/deliveries[?limit=N]}: the latest attempts, newest first. */
  void deliveries(Context ctx, WebhookService service) {
    int limit =
        UploadRoutes.intParam(
            ctx,
            "limit",
            WebhookService.MAX_ATTEMPTS_LISTED,
            1,
            WebhookService.MAX_ATTEMPTS_LISTED);
    List<DeliveryAttempt> attempts =
        service.deliveries(owner(ctx), ctx.pathParam("id"), limit).orElseThrow(this::notFound);
    ok(ctx, Map.of("items", attempts.stream().map(WebhookRoutes::attempt).toList()));
  }

  /** {@code handler}, or 501 where this server keeps no webhooks. */
  Handler guard(Endpoint endpoint) {
    return ctx ->
        endpoint.handle(
            ctx,
            webhooks.orElseThrow(
                () ->
                    ProblemException.ofStatus(
                        501, "Not implemented", "Webhooks are not available on this server")));
  }

  /** One webhook endpoint handler. */
  @FunctionalInterface
  interface Endpoint {
    void handle(Context ctx, WebhookService service);
  }

  private ProblemException notFound() {
    return ProblemException.notFound("There is no webhook with this id");
  }

  private static String owner(Context ctx) {
    return UploadRoutes.caller(ctx).owner();
  }

  private static Map<String, Object> endpoint(WebhookEndpoint endpoint) {
    var json = new LinkedHashMap<String, Object>();
    json.put("id", endpoint.id());
    json.put("url", endpoint.url().toString());
    json.put("events", endpoint.eventTypes().stream().sorted().toList());
    json.put("createdAt", Json.timestamp(endpoint.createdAt()));
    return json;
  }

  private static Map<String, Object> attempt(DeliveryAttempt attempt) {
    var json = new LinkedHashMap<String, Object>();
    json.put("eventId", attempt.eventId());
    json.put("eventType", attempt.eventType());
    json.put("attempt", attempt.attempt());
    json.put("at", Json.timestamp(attempt.at()));
    json.put("delivered", attempt.delivered());
    json.put(
        "statusCode", attempt.statusCode().isPresent() ? attempt.statusCode().getAsInt() : null);
    json.put("error", attempt.error().orElse(null));
    json.put("durationMs", attempt.duration().toMillis());
    return json;
  }

  private static void ok(Context ctx, Object body) {
    ctx.status(200).contentType(UploadRoutes.JSON).result(Json.bytes(body));
  }
}
