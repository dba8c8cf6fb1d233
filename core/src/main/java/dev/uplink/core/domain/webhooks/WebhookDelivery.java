package dev.uplink.core.domain.webhooks;

import java.util.Objects;

/**
 * One event on its way to one endpoint: what the delivery queue carries. The body is made once,
 * when the event is fanned out, so every attempt sends the same bytes; the secret is not carried
 * but looked up at each attempt, so a deleted endpoint gets nothing more.
 *
 * @param eventId the event's id, sent as {@code webhook-id}
 * @param eventType the event's type
 * @param owner the endpoint's owner
 * @param endpointId the endpoint
 * @param timestamp the event's time in epoch seconds, sent as {@code webhook-timestamp}
 * @param body the JSON sent: {@code {"type":..., "timestamp":..., "data":{the task}}}
 */
public record WebhookDelivery(
    String eventId,
    String eventType,
    String owner,
    String endpointId,
    long timestamp,
    String body) {

  public WebhookDelivery {
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(eventType, "eventType");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(endpointId, "endpointId");
    Objects.requireNonNull(body, "body");
  }
}
