package dev.uplink.core.domain.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Webhook signatures and secrets")
class WebhookSignatureTest {

  @Test
  @DisplayName("sign as the Standard Webhooks specification's own example does")
  void specificationVector() {
    // From the Standard Webhooks specification (standard-webhooks/standard-webhooks, spec/).
    var secret = new WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    String signature =
        WebhookSignature.sign(
            secret,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330L,
            "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8));
    assertThat(signature).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  }

  @Test
  @DisplayName("a new secret is whsec_ and 24 random bytes, different each time, never printed")
  void generatedSecrets() {
    WebhookSecret one = WebhookSecret.generate();
    WebhookSecret two = WebhookSecret.generate();
    assertThat(one.value()).startsWith("whsec_");
    assertThat(one.keyBytes()).hasSize(24);
    assertThat(one).isNotEqualTo(two);
    assertThat(one.toString()).doesNotContain(one.value().substring(6));
  }
}
