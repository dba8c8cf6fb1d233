package dev.uplink.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("UPLINK_LISTEN: where uplink api listens")
class ListenAddressTest {

  @Test
  void unsetItIsLoopbackOnPort8080() {
    assertThat(ListenAddress.fromEnvironment(Map.of()))
        .isEqualTo(new ListenAddress("127.0.0.1", 8080));
  }

  @Test
  void unsetItTakesUplinkPortOnLoopback() {
    assertThat(ListenAddress.fromEnvironment(Map.of("UPLINK_PORT", "9000")))
        .isEqualTo(new ListenAddress("127.0.0.1", 9000));
  }

  @Test
  void hostAndPortAreRead() {
    assertThat(ListenAddress.fromEnvironment(Map.of("UPLINK_LISTEN", " 0.0.0.0:8443 ")))
        .isEqualTo(new ListenAddress("0.0.0.0", 8443));
    assertThat(ListenAddress.fromEnvironment(Map.of("UPLINK_LISTEN", "api.internal:0")))
        .isEqualTo(new ListenAddress("api.internal", 0));
  }

  @Test
  void anIpv6AddressIsWrittenInBrackets() {
    ListenAddress listen = ListenAddress.fromEnvironment(Map.of("UPLINK_LISTEN", "[::1]:8080"));

    assertThat(listen).isEqualTo(new ListenAddress("::1", 8080));
    assertThat(listen.toString()).isEqualTo("[::1]:8080");
    assertThat(listen.isLoopback()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"8080", ":8080", "127.0.0.1", "127.0.0.1:", "::1:8080", "h:80a", "h:65536"})
  void aMalformedAddressIsOneLineNamingTheVariable(String text) {
    assertThatThrownBy(() -> ListenAddress.fromEnvironment(Map.of("UPLINK_LISTEN", text)))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "UPLINK_LISTEN must be HOST:PORT (an IPv6 address in brackets, [::1]:8080) with a port"
                + " from 0 to 65535, got '"
                + text
                + "'");
  }

  @Test
  void listenAndPortTogetherAreRefused() {
    assertThatThrownBy(
            () ->
                ListenAddress.fromEnvironment(
                    Map.of("UPLINK_LISTEN", "0.0.0.0:8080", "UPLINK_PORT", "8080")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("UPLINK_LISTEN and UPLINK_PORT are both set");
  }

  @Test
  void onlyLoopbackAddressesAreLoopback() {
    assertThat(new ListenAddress("127.0.0.1", 1).isLoopback()).isTrue();
    assertThat(new ListenAddress("localhost", 1).isLoopback()).isTrue();
    assertThat(new ListenAddress("0.0.0.0", 1).isLoopback()).isFalse();
    assertThat(new ListenAddress("10.0.0.5", 1).isLoopback()).isFalse();
  }
}
