package dev.uplink.core.domain.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The Standard Webhooks signature: {@code v1,} and the base64 HMAC-SHA256, under the secret's
 * decoded bytes, of {@code webhook-id.webhook-timestamp.body}. A receiver recomputes it and
 * compares in constant time; the timestamp in the signed text bounds replays.
 */
public final class WebhookSignature {

  private WebhookSignature() {}

  /** The {@code webhook-signature} header of a delivery. */
  public static String sign(WebhookSecret secret, String id, long epochSeconds, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.keyBytes(), "HmacSHA256"));
      mac.update((id + "." + epochSeconds + ".").getBytes(StandardCharsets.UTF_8));
      return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
