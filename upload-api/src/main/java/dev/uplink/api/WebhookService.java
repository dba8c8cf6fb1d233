package dev.uplink.api;

import dev.uplink.core.domain.TaskEvent;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.webhooks.DeliveryAttempt;
import dev.uplink.core.domain.webhooks.WebhookEndpoint;
import dev.uplink.core.domain.webhooks.WebhookRegistry;
import dev.uplink.core.domain.webhooks.WebhookSecret;
import dev.uplink.core.domain.webhooks.WebhookUrlPolicy;
import dev.uplink.core.domain.webhooks.WebhookUrlRejectedException;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * An owner's webhook endpoints: register (the URL checked by the {@link WebhookUrlPolicy}, a fresh
 * secret returned this once), list, delete, and the attempts made to deliver to one. An owner sees
 * and touches only their own.
 */
public final class WebhookService {

  /** Endpoints one owner may have: each event is sent to every one of them. */
  public static final int MAX_ENDPOINTS_PER_OWNER = 20;

  /** The most delivery attempts one listing shows. */
  public static final int MAX_ATTEMPTS_LISTED = 100;

  /** Every event type there is: {@code upload.} and a status. */
  public static final Set<String> EVENT_TYPES =
      Arrays.stream(TaskStatus.values())
          .map(TaskEvent::typeOf)
          .collect(Collectors.toCollection(LinkedHashSet::new));

  private static final Pattern ID = Pattern.compile("wh_[0-9a-f]{24}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final WebhookRegistry registry;
  private final WebhookUrlPolicy policy;
  private final Clock clock;

  public WebhookService(WebhookRegistry registry, WebhookUrlPolicy policy, Clock clock) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Registers {@code url} for {@code owner}, for the event types {@code eventTypes} (empty: all).
   * The endpoint returned carries its secret: the only time it is given out.
   *
   * @throws RequestRejectedException 400 for a URL the policy refuses, an unknown event type, or an
   *     owner who has {@value #MAX_ENDPOINTS_PER_OWNER} endpoints already
   */
  public WebhookEndpoint register(String owner, String url, List<String> eventTypes) {
    URI checked;
    try {
      checked = policy.check(url);
    } catch (WebhookUrlRejectedException e) {
      throw RequestRejectedException.invalid("url", e.getMessage());
    }
    for (String type : eventTypes) {
      if (!EVENT_TYPES.contains(type)) {
        throw RequestRejectedException.invalid(
            "events", "events holds " + type + ", which is none of " + EVENT_TYPES);
      }
    }
    if (registry.endpointsOf(owner).size() >= MAX_ENDPOINTS_PER_OWNER) {
      throw RequestRejectedException.invalid(
          "url",
          "an owner may have at most " + MAX_ENDPOINTS_PER_OWNER + " webhooks: delete one first");
    }
    byte[] suffix = new byte[12];
    RANDOM.nextBytes(suffix);
    var endpoint =
        new WebhookEndpoint(
            "wh_" + HexFormat.of().formatHex(suffix),
            owner,
            checked,
            Set.copyOf(eventTypes),
            WebhookSecret.generate(),
            clock.instant());
    registry.register(endpoint);
    return endpoint;
  }

  /** The owner's endpoints, oldest first. */
  public List<WebhookEndpoint> list(String owner) {
    return registry.endpointsOf(owner);
  }

  /** The owner's endpoint {@code id}; empty for another owner's, or none. */
  public Optional<WebhookEndpoint> find(String owner, String id) {
    return ID.matcher(id).matches() ? registry.find(owner, id) : Optional.empty();
  }

  /** Deletes the owner's endpoint {@code id}: no delivery is attempted there after this. */
  public boolean delete(String owner, String id) {
    return ID.matcher(id).matches() && registry.delete(owner, id);
  }

  /** The latest attempts at the owner's endpoint {@code id}, newest first; empty if no such. */
  public Optional<List<DeliveryAttempt>> deliveries(String owner, String id, int limit) {
    return find(owner, id).map(endpoint -> registry.attempts(owner, endpoint.id(), limit));
  }
}
