package dev.uplink.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Readiness checks and the answers built from them")
class ReadinessTest {

  @Test
  @DisplayName("a check that hangs fails at the timeout, without holding up the others")
  void aHangingCheckFailsAtTheTimeout() {
    var readiness =
        new Readiness(
            List.of(
                new ReadinessCheck("s3", () -> {}),
                new ReadinessCheck("sqs", () -> Thread.sleep(60_000)),
                new ReadinessCheck(
                    "dynamodb",
                    () -> {
                      throw new IOException("Connection refused");
                    })),
            Duration.ofMillis(300));

    long started = System.nanoTime();
    ReadinessReport report = readiness.check();
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(report.ready()).isFalse();
    assertThat(report.checks())
        .containsExactly(
            Map.entry("s3", "ok"),
            Map.entry("sqs", "no answer within the check timeout"),
            Map.entry("dynamodb", "IOException: Connection refused"));
    assertThat(took).as("all checks run at once").isLessThan(Duration.ofSeconds(2));
  }

  @Test
  @DisplayName("/readyz answers 200 with every check, or a 503 not-ready problem naming the failed")
  void readinessAnswers() {
    ProbeAnswer ready = ProbeAnswer.readiness(new ReadinessReport(Map.of("s3", "ok")));
    ProbeAnswer notReady =
        ProbeAnswer.readiness(
            new ReadinessReport(Map.of("incus:https://h:8443", "ConnectException")));

    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.mediaType()).isEqualTo("application/json");
    assertThat(ready.body()).isEqualTo(Map.of("status", "ready", "checks", Map.of("s3", "ok")));
    assertThat(notReady.status()).isEqualTo(503);
    assertThat(notReady.mediaType()).isEqualTo("application/problem+json");
    assertThat(notReady.headers()).containsEntry("Retry-After", "5");
    assertThat(notReady.body())
        .containsEntry("type", "https://uplink.dev/problems/not-ready")
        .containsEntry("detail", "Not ready: incus:https://h:8443 (ConnectException)");
  }

  @Test
  @DisplayName("/metrics speaks OpenMetrics only to a scraper that asks for it")
  void metricsFormatFollowsAccept() {
    assertThat(MetricsFormat.forAccept(null)).isEqualTo(MetricsFormat.PROMETHEUS_TEXT);
    assertThat(MetricsFormat.forAccept("text/plain;version=0.0.4;q=0.5,*/*;q=0.1"))
        .isEqualTo(MetricsFormat.PROMETHEUS_TEXT);
    assertThat(
            MetricsFormat.forAccept(
                "application/openmetrics-text;version=1.0.0;q=0.75,text/plain;q=0.5"))
        .isEqualTo(MetricsFormat.OPENMETRICS_TEXT);
  }
}
