package dev.uplink.core.domain.webhooks;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One try to deliver one event to one endpoint, as its owner sees it in the deliveries list.
 *
 * @param eventId the event's id (the {@code webhook-id} header)
 * @param eventType its type
 * @param attempt 1 for the first try of this event at this endpoint
 * @param at when the try started
 * @param statusCode the receiver's HTTP status, when it answered
 * @param error why there was no 2xx answer: a status, a timeout, a refused address
 * @param duration how long the try took
 * @param delivered whether the receiver answered 2xx
 */
public record DeliveryAttempt(
    String eventId,
    String eventType,
    int attempt,
    Instant at,
    OptionalInt statusCode,
    Optional<String> error,
    Duration duration,
    boolean delivered) {

  public DeliveryAttempt {
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(eventType, "eventType");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(statusCode, "statusCode");
    Objects.requireNonNull(error, "error");
    Objects.requireNonNull(duration, "duration");
  }
}
