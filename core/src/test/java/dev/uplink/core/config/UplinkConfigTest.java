package dev.uplink.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UplinkConfigTest {

  @Test
  void anEmptyEnvironmentGivesTheDocumentedDefaults() {
    var config = UplinkConfig.fromEnvironment(Map.of());
    assertThat(config.port()).isEqualTo(8080);
    assertThat(config.apiKeys()).isEmpty();
    assertThat(config.incus()).isEmpty();
    assertThat(config.aws().region()).isEqualTo("us-east-1");
    assertThat(config.aws().s3Endpoint()).as("no endpoint means real AWS").isEmpty();
    assertThat(config.aws().bucket()).isEqualTo("uplink-uploads");
    assertThat(config.partSizeBytes()).isEqualTo(8 * 1024 * 1024);
    assertThat(config.visibilityTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.maxReceiveCount()).isEqualTo(5);
  }

  @Test
  void apiKeysMapKeysToOwners() {
    var config = UplinkConfig.fromEnvironment(Map.of("UPLINK_API_KEYS", "k1=alice, k2=bob"));
    assertThat(config.apiKeys())
        .containsExactlyInAnyOrderEntriesOf(Map.of("k1", "alice", "k2", "bob"));
  }

  @Test
  void theStringFormNeverShowsApiKeys() {
    var config = UplinkConfig.fromEnvironment(Map.of("UPLINK_API_KEYS", "s3cr3t-key=alice"));
    assertThat(config.toString()).doesNotContain("s3cr3t-key").contains("1 configured");
  }

  @Test
  void incusNeedsAllThreeCertificatePaths() {
    assertThatThrownBy(
            () -> UplinkConfig.fromEnvironment(Map.of("UPLINK_INCUS_URL", "https://incus:8443")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("UPLINK_INCUS_CERT is required when UPLINK_INCUS_URL is set");
    var config =
        UplinkConfig.fromEnvironment(
            Map.of(
                "UPLINK_INCUS_URL", "https://incus:8443",
                "UPLINK_INCUS_CERT", "c.crt",
                "UPLINK_INCUS_KEY", "c.key",
                "UPLINK_INCUS_SERVER_CERT", "s.crt"));
    assertThat(config.incus())
        .get()
        .extracting(IncusSettings::url)
        .isEqualTo(URI.create("https://incus:8443"));
  }

  @Test
  void plainHttpToIncusIsRefused() {
    assertThatThrownBy(
            () -> UplinkConfig.fromEnvironment(Map.of("UPLINK_INCUS_URL", "http://incus:8443")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("https://");
  }

  @Test
  void malformedValuesNameTheVariableAndWhatItExpects() {
    assertThatThrownBy(() -> UplinkConfig.fromEnvironment(Map.of("UPLINK_PORT", "eighty")))
        .hasMessage("UPLINK_PORT must be a whole number from 0 to 65535, got 'eighty'");
    assertThatThrownBy(() -> UplinkConfig.fromEnvironment(Map.of("UPLINK_API_KEYS", "justakey")))
        .hasMessageContaining("key=owner");
    assertThatThrownBy(() -> UplinkConfig.fromEnvironment(Map.of("UPLINK_S3_ENDPOINT", "nope")))
        .hasMessageContaining("UPLINK_S3_ENDPOINT");
  }
}
