package dev.uplink.core.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

@DisplayName("A log scope gives the thread back the fields it had")
class LogScopeTest {

  @AfterEach
  void clear() {
    MDC.clear();
  }

  @Test
  @DisplayName("closing drops the fields put meanwhile and brings back the ones changed")
  void closingRestoresTheFieldsTheThreadHad() {
    MDC.put("kept", "yes");
    MDC.put("changed", "before");

    try (var scope = LogScope.open()) {
      MDC.put("changed", "during");
      MDC.put("added", "during");
    }

    assertThat(MDC.getCopyOfContextMap()).isEqualTo(Map.of("kept", "yes", "changed", "before"));
  }

  @Test
  @DisplayName("a scope opened on a thread without fields leaves it without")
  void aScopeOpenedOnNoFieldsLeavesNone() {
    try (var scope = LogScope.open()) {
      MDC.put("added", "during");
    }

    assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();
  }

  @Test
  @DisplayName("nested scopes unwind one at a time")
  void nestedScopesUnwindInOrder() {
    try (var outer = LogScope.open()) {
      MDC.put("outer", "1");
      try (var inner = LogScope.open()) {
        MDC.put("inner", "2");
      }
      assertThat(MDC.getCopyOfContextMap()).isEqualTo(Map.of("outer", "1"));
    }

    assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();
  }

  @Test
  @DisplayName(
      "work carried to another thread runs with the fields of the thread that wrapped it, and"
          + " that thread has its own back afterwards")
  void carriedWorkRunsWithTheWrappersFields() throws Exception {
    MDC.put("taskId", "01TASK");
    Runnable report = LogScope.carrying(() -> MDC.put("seen", MDC.get("taskId")));
    AtomicReference<String> seen = new AtomicReference<>();
    AtomicReference<Map<String, String>> after = new AtomicReference<>();
    ExecutorService timer = Executors.newSingleThreadExecutor();
    try {
      CompletableFuture.runAsync(
              () -> {
                MDC.put("timer", "own");
                report.run();
                seen.set(MDC.get("seen"));
                after.set(MDC.getCopyOfContextMap());
                MDC.clear();
              },
              timer)
          .get();
    } finally {
      timer.shutdown();
    }

    assertThat(seen.get()).as("put during the work, gone after it").isNull();
    assertThat(after.get()).isEqualTo(Map.of("timer", "own"));
    assertThat(MDC.get("taskId")).as("the wrapping thread's own").isEqualTo("01TASK");
  }
}
