package dev.uplink.processor;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.config.ConfigException;
import dev.uplink.core.config.SecretSource;
import dev.uplink.core.config.UplinkConfig;
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
}
