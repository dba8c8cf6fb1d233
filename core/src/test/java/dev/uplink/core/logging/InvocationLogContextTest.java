package dev.uplink.core.logging;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class InvocationLogContextTest {

  @Test
  void eachInvocationCarriesItsRequestIdAndOnlyTheFirstIsCold() {
    MDC.put("kept", "yes");
    String firstColdStart;
    try (var first = InvocationLogContext.of("req-1")) {
      assertThat(MDC.get(InvocationLogContext.REQUEST_ID)).isEqualTo("req-1");
      firstColdStart = MDC.get(InvocationLogContext.COLD_START);
    }
    try (var second = InvocationLogContext.of("req-2")) {
      assertThat(MDC.get(InvocationLogContext.REQUEST_ID)).isEqualTo("req-2");
      assertThat(MDC.get(InvocationLogContext.COLD_START)).isEqualTo("false");
    }

    // Another test of this JVM may have been the first invocation: cold is true at most once.
    assertThat(firstColdStart).isIn("true", "false");
    assertThat(MDC.get(InvocationLogContext.REQUEST_ID)).as("restored after").isNull();
    assertThat(MDC.get("kept")).isEqualTo("yes");
    MDC.clear();
  }
}
