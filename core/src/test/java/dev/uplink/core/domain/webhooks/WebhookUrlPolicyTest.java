package dev.uplink.core.domain.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("Webhook URL policy")
class WebhookUrlPolicyTest {

  private static final WebhookUrlPolicy STRICT = new WebhookUrlPolicy(false, false);
  private static final WebhookUrlPolicy LOCAL_STACK = new WebhookUrlPolicy(true, false);
  private static final WebhookUrlPolicy INTERNAL = new WebhookUrlPolicy(false, true);

  @Nested
  @DisplayName("at registration")
  class Registration {

    @Test
    @DisplayName("takes an https URL to a public address")
    void publicHttps() {
      assertThat(STRICT.check("https://203.0.113.7:8443/hooks?x=1"))
          .isEqualTo(URI.create("https://203.0.113.7:8443/hooks?x=1"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(
        strings = {
          "http://203.0.113.7/hook",
          "ftp://203.0.113.7/hook",
          "//203.0.113.7/hook",
          "https:///nohost",
          "https://user:pw@203.0.113.7/hook",
          "https://203.0.113.7/hook#fragment",
          "not a url",
          " "
        })
    @DisplayName("refuses what is not an https URL with a plain host")
    void refusesMalformed(String url) {
      assertThatThrownBy(() -> STRICT.check(url)).isInstanceOf(WebhookUrlRejectedException.class);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
        strings = {
          "https://127.0.0.1/hook",
          "https://localhost/hook",
          "https://10.1.2.3/hook",
          "https://172.16.0.1/hook",
          "https://172.31.255.255/hook",
          "https://192.168.1.1/hook",
          "https://169.254.169.254/latest/meta-data/",
          "https://169.254.0.1/hook",
          "https://0.0.0.0/hook",
          "https://100.64.0.1/hook",
          "https://[::1]/hook",
          "https://[fe80::1]/hook",
          "https://[fd00:ec2::254]/hook",
          "https://[fc00::1]/hook",
          "https://[::ffff:10.0.0.1]/hook",
          "https://[::]/hook"
        })
    @DisplayName("refuses private, loopback, link-local and metadata addresses")
    void refusesInternal(String url) {
      assertThatThrownBy(() -> STRICT.check(url))
          .isInstanceOf(WebhookUrlRejectedException.class)
          .hasMessageContaining("public address");
    }

    @Test
    @DisplayName("takes internal addresses over https where the deployment allows them")
    void internalWhenAllowed() {
      assertThatCode(() -> INTERNAL.check("https://10.1.2.3/hook")).doesNotThrowAnyException();
      assertThatCode(() -> INTERNAL.check("https://169.254.169.254/")).doesNotThrowAnyException();
      assertThatThrownBy(() -> INTERNAL.check("http://10.1.2.3/hook"))
          .isInstanceOf(WebhookUrlRejectedException.class);
    }

    @Test
    @DisplayName("takes http to loopback only where allowed, and nowhere else")
    void httpLoopback() {
      assertThatCode(() -> LOCAL_STACK.check("http://127.0.0.1:9000/hook"))
          .doesNotThrowAnyException();
      assertThatCode(() -> LOCAL_STACK.check("http://[::1]:9000/hook")).doesNotThrowAnyException();
      assertThatThrownBy(() -> STRICT.check("http://127.0.0.1:9000/hook"))
          .isInstanceOf(WebhookUrlRejectedException.class)
          .hasMessageContaining("https");
      assertThatThrownBy(() -> LOCAL_STACK.check("http://203.0.113.7/hook"))
          .isInstanceOf(WebhookUrlRejectedException.class);
      assertThatThrownBy(() -> LOCAL_STACK.check("http://192.168.1.1/hook"))
          .isInstanceOf(WebhookUrlRejectedException.class);
      assertThatThrownBy(() -> LOCAL_STACK.check("https://127.0.0.1/hook"))
          .as("loopback over https is still an internal address")
          .isInstanceOf(WebhookUrlRejectedException.class);
    }

    @Test
    @DisplayName("refuses a host name that does not resolve")
    void unresolvable() {
      assertThatThrownBy(() -> STRICT.check("https://no-such-host.invalid/hook"))
          .isInstanceOf(WebhookUrlRejectedException.class)
          .hasMessageContaining("does not resolve");
    }
  }

  @Nested
  @DisplayName("at delivery, on the address connected to")
  class Delivery {

    @Test
    @DisplayName("refuses an address a name has come to resolve to since registration")
    void rebound() throws Exception {
      InetAddress metadata = InetAddress.getByName("169.254.169.254");
      assertThatThrownBy(() -> STRICT.checkAddress("https", metadata))
          .isInstanceOf(WebhookUrlRejectedException.class);
      assertThatCode(() -> STRICT.checkAddress("https", InetAddress.getByName("203.0.113.7")))
          .doesNotThrowAnyException();
    }

    @Test
    @DisplayName("refuses http to anything but loopback")
    void httpOnlyLoopback() throws Exception {
      assertThatCode(() -> LOCAL_STACK.checkAddress("http", InetAddress.getLoopbackAddress()))
          .doesNotThrowAnyException();
      assertThatThrownBy(
              () -> LOCAL_STACK.checkAddress("http", InetAddress.getByName("203.0.113.7")))
          .isInstanceOf(WebhookUrlRejectedException.class);
    }
  }
}
