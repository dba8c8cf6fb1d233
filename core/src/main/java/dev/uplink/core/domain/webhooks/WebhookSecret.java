package dev.uplink.core.domain.webhooks;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;

/**
 * An endpoint's signing secret, {@code whsec_} and the base64 of 24 random bytes (the Standard
 * Webhooks form). Shown to its owner once, at registration; {@link #toString} never shows it.
 *
 * @param value the whole secret, {@code whsec_...}
 */
public record WebhookSecret(String value) {

  private static final String PREFIX = "whsec_";
  private static final int BYTES = 24;
  private static final SecureRandom RANDOM = new SecureRandom();

  public WebhookSecret {
    Objects.requireNonNull(value, "value");
    if (!value.startsWith(PREFIX)) {
      throw new IllegalArgumentException("a webhook secret starts with " + PREFIX);
    }
    Base64.getDecoder().decode(value.substring(PREFIX.length()));
  }

  /** A fresh secret from a strong random source. */
  public static WebhookSecret generate() {
    byte[] key = new byte[BYTES];
    RANDOM.nextBytes(key);
    return new WebhookSecret(PREFIX + Base64.getEncoder().encodeToString(key));
  }

  /** The HMAC key: the decoded bytes after {@code whsec_}. */
  public byte[] keyBytes() {
    return Base64.getDecoder().decode(value.substring(PREFIX.length()));
  }

  @Override
  public String toString() {
    return "WebhookSecret[redacted]";
  }
}
