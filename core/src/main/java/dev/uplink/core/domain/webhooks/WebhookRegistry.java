package dev.uplink.core.domain.webhooks;

import java.util.List;
import java.util.Optional;

/**
 * The port that keeps endpoints and their delivery attempts. Every read is by owner: an owner never
 * reaches another's endpoint.
 */
public interface WebhookRegistry {

  /** Keeps a new endpoint. */
  void register(WebhookEndpoint endpoint);

  /** The owner's endpoints, oldest first. */
  List<WebhookEndpoint> endpointsOf(String owner);

  /** The owner's endpoint {@code id}, if it exists. */
  Optional<WebhookEndpoint> find(String owner, String id);

  /** Removes the owner's endpoint {@code id}; false when there was none. */
  boolean delete(String owner, String id);

  /** Records one attempt at the owner's endpoint (kept a few days). */
  void record(String owner, String endpointId, DeliveryAttempt attempt);

  /** The latest attempts at the owner's endpoint, newest first, at most {@code limit}. */
  List<DeliveryAttempt> attempts(String owner, String endpointId, int limit);
}
