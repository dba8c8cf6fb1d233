package dev.uplink.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.config.ConfigException;
import dev.uplink.core.config.SecretSource;
import dev.uplink.core.config.UplinkConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcessorWiringTest {

  @Test
  void givenAUnixSocketIncusUrl_whenWiringTheLambda_thenItIsRefusedWithTheWayOut() {
    UplinkConfig config =
        UplinkConfig.fromEnvironment(
            Map.of("UPLINK_INCUS_URL", "unix:///var/lib/incus/unix.socket"), SecretSource.none());

    assertThatThrownBy(() -> ProcessorWiring.forLambda(config))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("a Lambda cannot reach")
        .hasMessageContaining("https://");
  }

  @Test
  void givenARemoteOnAUnixSocketOrWithoutItsUrl_whenWiringTheLambda_thenRefusedNamingTheVariable() {
    var https =
        Map.of(
            "UPLINK_INCUS_URL", "https://incus.example:8443",
            "UPLINK_INCUS_CERT", "/nonexistent/c.crt",
            "UPLINK_INCUS_KEY", "/nonexistent/c.key",
            "UPLINK_INCUS_SERVER_CERT", "/nonexistent/s.crt");
    var withSocketRemote = new java.util.HashMap<>(https);
    withSocketRemote.put("UPLINK_INCUS_REMOTES", "edge-1");
    withSocketRemote.put("UPLINK_INCUS_REMOTE_EDGE_1_URL", "unix:///run/edge.socket");
    var withoutUrl = new java.util.HashMap<>(https);
    withoutUrl.put("UPLINK_INCUS_REMOTES", "lab");

    assertThatThrownBy(
            () ->
                ProcessorWiring.forLambda(
                    UplinkConfig.fromEnvironment(withSocketRemote, SecretSource.none())))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(
            "UPLINK_INCUS_REMOTE_EDGE_1_URL (remote edge-1) is a unix socket, which a Lambda cannot"
                + " reach");
    assertThatThrownBy(
            () ->
                ProcessorWiring.forLambda(
                    UplinkConfig.fromEnvironment(withoutUrl, SecretSource.none())))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("UPLINK_INCUS_REMOTE_LAB_URL is required");
  }

  @Test
  void givenNoConfig_whenWiring_thenRefusedNamingIt() {
    assertThatThrownBy(() -> ProcessorWiring.forLambda((UplinkConfig) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("config");
    assertThatThrownBy(() -> ProcessorWiring.reconciler(null, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("config");
    assertThatThrownBy(() -> ProcessorWiring.republishAfterRestart(null, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("config");
  }

  @Test
  void theLongPollWaitsNoLongerThanTheShutdownGraceSoAStopEndsWithinIt() {
    assertThat(ProcessorWiring.longPoll(Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(20));
    assertThat(ProcessorWiring.longPoll(Duration.ofSeconds(10))).isEqualTo(Duration.ofSeconds(10));
    assertThat(ProcessorWiring.longPoll(Duration.ofMillis(2_500))).isEqualTo(Duration.ofSeconds(2));
    assertThat(ProcessorWiring.longPoll(Duration.ZERO))
        .as("never 0: that would be a busy loop")
        .isEqualTo(Duration.ofSeconds(1));
  }
}
