package dev.uplink.api.fakes;

import dev.uplink.core.domain.webhooks.DeliveryAttempt;
import dev.uplink.core.domain.webhooks.WebhookEndpoint;
import dev.uplink.core.domain.webhooks.WebhookRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Webhook endpoints and attempts in memory; {@link #failWith} plays a registry that is down. */
public final class InMemoryWebhookRegistry implements WebhookRegistry {

  private final Map<String, WebhookEndpoint> endpoints = new ConcurrentHashMap<>();
  private final Map<String, List<DeliveryAttempt>> attempts = new ConcurrentHashMap<>();
  private volatile RuntimeException failure;

  public void failWith(RuntimeException newFailure) {
    failure = newFailure;
  }

  private void maybeFail() {
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public void register(WebhookEndpoint endpoint) {
    maybeFail();
    endpoints.put(endpoint.id(), endpoint);
  }

  @Override
  public List<WebhookEndpoint> endpointsOf(String owner) {
    maybeFail();
    return endpoints.values().stream()
        .filter(e -> e.owner().equals(owner))
        .sorted(Comparator.comparing(WebhookEndpoint::createdAt))
        .toList();
  }

  @Override
  public Optional<WebhookEndpoint> find(String owner, String id) {
    maybeFail();
    return Optional.ofNullable(endpoints.get(id)).filter(e -> e.owner().equals(owner));
  }

  @Override
  public boolean delete(String owner, String id) {
    maybeFail();
    return find(owner, id).map(e -> endpoints.remove(id) != null).orElse(false);
  }

  @Override
  public void record(String owner, String endpointId, DeliveryAttempt attempt) {
    maybeFail();
    attempts.computeIfAbsent(endpointId, id -> new ArrayList<>()).add(0, attempt);
  }

  @Override
  public List<DeliveryAttempt> attempts(String owner, String endpointId, int limit) {
    maybeFail();
    return attempts.getOrDefault(endpointId, List.of()).stream().limit(limit).toList();
  }
}
