package dev.uplink.api.http;

import dev.uplink.core.domain.TaskEvent;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;

/**
 * The body of a webhook delivery: {@code {"type": "upload.done", "timestamp": "2026-...Z", "data":
 * {the task}}}, the task exactly as its owner reads it from {@code GET /v1/uploads/{id}}.
 */
public final class WebhookPayload {

  private WebhookPayload() {}

  public static String of(TaskEvent event) {
    var body = new LinkedHashMap<String, Object>();
    body.put("type", event.type());
    body.put("timestamp", Json.timestamp(event.time()));
    body.put("data", Json.task(event.task()));
    return new String(Json.bytes(body), StandardCharsets.UTF_8);
  }
}
