package dev.uplink.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Webhook settings")
class WebhookSettingsTest {

  @Test
  @DisplayName("by default retry for about a day, doubling from 30 s to an hour")
  void defaults() {
    WebhookSettings settings = WebhookSettings.fromEnvironment(Map.of());
    assertThat(settings.allowHttpLoopback()).isFalse();
    assertThat(settings.allowInternalAddresses()).isFalse();
    assertThat(settings.retryDelay(1)).isEqualTo(Duration.ofSeconds(30));
    assertThat(settings.retryDelay(2)).isEqualTo(Duration.ofSeconds(60));
    assertThat(settings.retryDelay(8)).isEqualTo(Duration.ofHours(1));
    assertThat(settings.retryDelay(500)).isEqualTo(Duration.ofHours(1));
    Duration total = Duration.ZERO;
    for (int attempt = 1; attempt < settings.maxAttempts(); attempt++) {
      total = total.plus(settings.retryDelay(attempt));
    }
    assertThat(total).isBetween(Duration.ofHours(22), Duration.ofHours(26));
  }

  @Test
  @DisplayName("the local stack allows http to loopback unless told not to")
  void localStack() {
    assertThat(WebhookSettings.forLocalStack(Map.of()).allowHttpLoopback()).isTrue();
    assertThat(
            WebhookSettings.forLocalStack(Map.of("UPLINK_WEBHOOKS_ALLOW_HTTP_LOOPBACK", "false"))
                .allowHttpLoopback())
        .isFalse();
  }

  @Test
  @DisplayName("a malformed variable is named")
  void malformed() {
    assertThatThrownBy(
            () -> WebhookSettings.fromEnvironment(Map.of("UPLINK_WEBHOOK_MAX_ATTEMPTS", "0")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("UPLINK_WEBHOOK_MAX_ATTEMPTS");
  }
}
