package dev.uplink.processor.incus;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class IncusTestEnvironmentTest {

  private static final Map<String, String> NOWHERE =
      Map.of(
          "UPLINK_TEST_INCUS_URL", "https://127.0.0.1:1",
          "UPLINK_TEST_CERT_DIR", "/nonexistent/uplink-certs");

  @Test
  void givenNoIncusOutsideCi_whenRequired_thenTheTestIsSkippedWithTheReason() {
    assertThatThrownBy(() -> IncusTestEnvironment.require(NOWHERE))
        .isInstanceOf(TestAbortedException.class)
        .hasMessageContaining("/nonexistent/uplink-certs/client.crt is missing")
        .hasMessageContaining("not reachable at 127.0.0.1:1");
  }

  @Test
  void givenNoIncusUnderCi_whenRequired_thenTheTestFailsInsteadOfSkipping() {
    var ci = new java.util.HashMap<>(NOWHERE);
    ci.put("CI", "true");

    assertThatThrownBy(() -> IncusTestEnvironment.require(ci))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("CI=true");
  }
}
