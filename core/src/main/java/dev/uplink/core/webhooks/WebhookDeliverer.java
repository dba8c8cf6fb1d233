package dev.uplink.core.webhooks;

import dev.uplink.core.config.WebhookSettings;
import dev.uplink.core.domain.webhooks.DeliveryAttempt;
import dev.uplink.core.domain.webhooks.WebhookDelivery;
import dev.uplink.core.domain.webhooks.WebhookDeliveryQueue;
import dev.uplink.core.domain.webhooks.WebhookDeliveryQueue.Received;
import dev.uplink.core.domain.webhooks.WebhookEndpoint;
import dev.uplink.core.domain.webhooks.WebhookRegistry;
import dev.uplink.core.domain.webhooks.WebhookSignature;
import dev.uplink.core.domain.webhooks.WebhookUrlRejectedException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes one attempt at one delivery taken from the queue: signs the body with the endpoint's secret
 * (Standard Webhooks headers), posts it, records the attempt, and then removes the delivery (a 2xx
 * answer, or an endpoint deleted since) or hides it for the next backoff ({@link
 * WebhookSettings#retryDelay}). After {@link WebhookSettings#maxAttempts} failed attempts the
 * queue's redrive policy moves it to the dead-letter queue on its next receive.
 */
public final class WebhookDeliverer {

  private static final Logger log = LoggerFactory.getLogger(WebhookDeliverer.class);

  private final WebhookRegistry registry;
  private final WebhookDeliveryQueue queue;
  private final WebhookPost post;
  private final WebhookSettings settings;
  private final Clock clock;

  public WebhookDeliverer(
      WebhookRegistry registry,
      WebhookDeliveryQueue queue,
      WebhookPost post,
      WebhookSettings settings,
      Clock clock) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.queue = Objects.requireNonNull(queue, "queue");
    this.post = Objects.requireNonNull(post, "post");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** One attempt at {@code received}. */
  public void deliver(Received received) {
    WebhookDelivery delivery = received.delivery();
    Optional<WebhookEndpoint> endpoint = registry.find(delivery.owner(), delivery.endpointId());
    if (endpoint.isEmpty()) {
      queue.done(received); // deleted: nothing more goes there
      return;
    }
    DeliveryAttempt attempt = attempt(endpoint.get(), delivery, received.receiveCount());
    try {
      registry.record(delivery.owner(), delivery.endpointId(), attempt);
    } catch (RuntimeException e) {
      // The attempt happened either way: a missing history line must not cause a second one.
      log.warn("Could not record the delivery attempt of {}: {}", delivery.eventId(), e.toString());
    }
    if (attempt.delivered()) {
      queue.done(received);
      return;
    }
    boolean last = received.receiveCount() >= settings.maxAttempts();
    Duration delay = last ? Duration.ZERO : settings.retryDelay(received.receiveCount());
    log.warn(
        "Webhook {} of event {} attempt {} failed ({}); {}",
        delivery.endpointId(),
        delivery.eventId(),
        received.receiveCount(),
        attempt.error().orElse(""),
        last ? "that was the last: it goes to the dead-letter queue" : "again in " + delay);
    queue.retryAfter(received, delay);
  }

  private DeliveryAttempt attempt(WebhookEndpoint endpoint, WebhookDelivery delivery, int n) {
    byte[] body = delivery.body().getBytes(StandardCharsets.UTF_8);
    var headers = new LinkedHashMap<String, String>();
    headers.put("webhook-id", delivery.eventId());
    headers.put("webhook-timestamp", Long.toString(delivery.timestamp()));
    headers.put(
        "webhook-signature",
        WebhookSignature.sign(endpoint.secret(), delivery.eventId(), delivery.timestamp(), body));
    Instant start = clock.instant();
    long started = System.nanoTime();
    OptionalInt status = OptionalInt.empty();
    Optional<String> error;
    try {
      int code = post.post(endpoint.url(), headers, body);
      status = OptionalInt.of(code);
      error = code / 100 == 2 ? Optional.empty() : Optional.of("answered " + code);
    } catch (WebhookUrlRejectedException e) {
      error = Optional.of(e.getMessage());
    } catch (SocketTimeoutException e) {
      error = Optional.of("timed out: " + e.getMessage());
    } catch (IOException e) {
      error = Optional.of(e.getClass().getSimpleName() + ": " + e.getMessage());
    }
    return new DeliveryAttempt(
        delivery.eventId(),
        delivery.eventType(),
        n,
        start,
        status,
        error,
        Duration.ofNanos(System.nanoTime() - started),
        error.isEmpty());
  }
}
