package dev.uplink.core.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.core.domain.webhooks.WebhookDelivery;
import java.util.LinkedHashMap;
import java.util.Optional;

/**
 * The body of a delivery queue message: a {@link WebhookDelivery} as JSON, and the other JSON a
 * webhook carries ({@link #write}).
 */
public final class WebhookDeliveryMessage {

  private static final ObjectMapper JSON = new ObjectMapper();

  private WebhookDeliveryMessage() {}

  public static String bodyFor(WebhookDelivery delivery) {
    var json = new LinkedHashMap<String, Object>();
    json.put("eventId", delivery.eventId());
    json.put("eventType", delivery.eventType());
    json.put("owner", delivery.owner());
    json.put("endpointId", delivery.endpointId());
    json.put("timestamp", delivery.timestamp());
    json.put("body", delivery.body());
    return write(json);
  }

  /** Reads a message body; empty for anything else (poison, not a reason to crash). */
  public static Optional<WebhookDelivery> parse(String body) {
    try {
      JsonNode node = body == null ? null : JSON.readTree(body);
      if (node == null || !node.isObject()) {
        return Optional.empty();
      }
      for (String field : new String[] {"eventId", "eventType", "owner", "endpointId", "body"}) {
        if (!node.path(field).isTextual()) {
          return Optional.empty();
        }
      }
      if (!node.path("timestamp").canConvertToLong()) {
        return Optional.empty();
      }
      return Optional.of(
          new WebhookDelivery(
              node.get("eventId").asText(),
              node.get("eventType").asText(),
              node.get("owner").asText(),
              node.get("endpointId").asText(),
              node.get("timestamp").asLong(),
              node.get("body").asText()));
    } catch (JsonProcessingException e) {
      return Optional.empty();
    }
  }

  /** {@code value} (maps, lists, strings, numbers) as JSON text. */
  public static String write(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode JSON", e);
    }
  }
}
