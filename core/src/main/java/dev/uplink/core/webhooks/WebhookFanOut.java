package dev.uplink.core.webhooks;

import dev.uplink.core.domain.TaskEvent;
import dev.uplink.core.domain.webhooks.WebhookDelivery;
import dev.uplink.core.domain.webhooks.WebhookDeliveryQueue;
import dev.uplink.core.domain.webhooks.WebhookEndpoint;
import dev.uplink.core.domain.webhooks.WebhookRegistry;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A sink of task events: each event becomes one delivery per endpoint of the task's owner that
 * wants its type, sent to the delivery queue. It never talks to a receiver, so a slow or dead
 * receiver cannot hold up the events of anyone else. A failure to queue throws, and the event
 * reader hands the event on again (the deliveries already queued are repeated, with the same {@code
 * webhook-id}).
 */
public final class WebhookFanOut implements Consumer<TaskEvent> {

  private final WebhookRegistry registry;
  private final WebhookDeliveryQueue queue;
  private final Function<TaskEvent, String> payload;

  /**
   * @param payload the JSON body of an event's deliveries: {@code {"type", "timestamp", "data"}},
   *     the task as its owner reads it from the API
   */
  public WebhookFanOut(
      WebhookRegistry registry, WebhookDeliveryQueue queue, Function<TaskEvent, String> payload) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.queue = Objects.requireNonNull(queue, "queue");
    this.payload = Objects.requireNonNull(payload, "payload");
  }

  @Override
  public void accept(TaskEvent event) {
    String owner = event.task().owner();
    List<WebhookEndpoint> wanting =
        registry.endpointsOf(owner).stream().filter(e -> e.wants(event.type())).toList();
    if (wanting.isEmpty()) {
      return;
    }
    String body = payload.apply(event);
    for (WebhookEndpoint endpoint : wanting) {
      queue.send(
          new WebhookDelivery(
              event.id(), event.type(), owner, endpoint.id(), event.time().getEpochSecond(), body));
    }
  }
}
