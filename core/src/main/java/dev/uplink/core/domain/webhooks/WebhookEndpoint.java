package dev.uplink.core.domain.webhooks;

import java.net.URI;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * Where an owner wants task events sent.
 *
 * @param id {@code wh_} and a random suffix
 * @param owner the API key owner who registered it; only they see it
 * @param url an {@code https} URL (or {@code http} on loopback where allowed): checked by {@link
 *     WebhookUrlPolicy}
 * @param eventTypes the event types wanted ({@code upload.done}, ...); empty means all
 * @param secret the signing secret
 * @param createdAt when it was registered
 */
public record WebhookEndpoint(
    String id,
    String owner,
    URI url,
    Set<String> eventTypes,
    WebhookSecret secret,
    Instant createdAt) {

  public WebhookEndpoint {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(url, "url");
    eventTypes = Set.copyOf(eventTypes);
    Objects.requireNonNull(secret, "secret");
    Objects.requireNonNull(createdAt, "createdAt");
  }

  /** Whether events of {@code type} go to this endpoint. */
  public boolean wants(String type) {
    return eventTypes.isEmpty() || eventTypes.contains(type);
  }
}
