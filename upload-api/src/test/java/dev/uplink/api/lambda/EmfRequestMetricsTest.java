package dev.uplink.api.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.api.http.RequestMetrics.ServedRequest;
import dev.uplink.core.logging.InvocationLogContext;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The API function's request metrics are CloudWatch Embedded Metric Format lines, as AWS specifies
 * them: a {@code _aws} directive naming the namespace, the dimension set and each metric with its
 * unit, and every one of those as a member of the line itself.
 */
class EmfRequestMetricsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-12-08T00:00:00.123Z");

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final EmfRequestMetrics metrics =
      new EmfRequestMetrics(
          new PrintStream(bytes, true, StandardCharsets.UTF_8), Clock.fixed(NOW, ZoneOffset.UTC));

  private List<JsonNode> lines() throws Exception {
    var lines = new ArrayList<JsonNode>();
    for (String line : bytes.toString(StandardCharsets.UTF_8).split("\n")) {
      lines.add(JSON.readTree(line));
    }
    return lines;
  }

  @Test
  @DisplayName(
      "A request is one line: Requests and Latency by Route and Status in the Uplink namespace")
  void aRequestIsOneEmfLine() throws Exception {
    metrics.served(
        new ServedRequest(
            "GET /v1/uploads/{id}", 404, Duration.ofMillis(12).plusNanos(500_000), 0));

    JsonNode line = lines().getFirst();
    assertThat(lines()).hasSize(1);
    JsonNode directive = line.path("_aws");
    assertThat(directive.path("Timestamp").asLong()).isEqualTo(NOW.toEpochMilli());
    JsonNode definition = directive.path("CloudWatchMetrics").path(0);
    assertThat(directive.path("CloudWatchMetrics")).hasSize(1);
    assertThat(definition.path("Namespace").asText()).isEqualTo("Uplink");
    assertThat(definition.path("Dimensions").toString()).isEqualTo("[[\"Route\",\"Status\"]]");
    assertThat(definition.path("Metrics").toString())
        .isEqualTo(
            "[{\"Name\":\"Requests\",\"Unit\":\"Count\"},"
                + "{\"Name\":\"Latency\",\"Unit\":\"Milliseconds\"}]");
    assertThat(line.path("Route").asText()).isEqualTo("GET /v1/uploads/{id}");
    assertThat(line.path("Status").isTextual()).as("a dimension's value is a string").isTrue();
    assertThat(line.path("Status").asText()).isEqualTo("404");
    assertThat(line.path("Requests").asInt()).isEqualTo(1);
    assertThat(line.path("Latency").asDouble()).isEqualTo(12.5);
    assertThat(line.has("UploadedBytes")).isFalse();
  }

  @Test
  @DisplayName("Every dimension and metric the directive names is a member of the line")
  void everyNamedDimensionAndMetricIsAMember() throws Exception {
    metrics.served(new ServedRequest("POST /v1/uploads", 202, Duration.ofMillis(80), 1_048_576));

    JsonNode line = lines().getFirst();
    JsonNode definition = line.path("_aws").path("CloudWatchMetrics").path(0);
    for (JsonNode dimension : definition.path("Dimensions").path(0)) {
      assertThat(line.path(dimension.asText()).isTextual()).as(dimension.asText()).isTrue();
    }
    for (JsonNode metric : definition.path("Metrics")) {
      assertThat(line.path(metric.path("Name").asText()).isNumber()).as(metric.toString()).isTrue();
    }
    assertThat(definition.path("Metrics").path(2).toString())
        .isEqualTo("{\"Name\":\"UploadedBytes\",\"Unit\":\"Bytes\"}");
    assertThat(line.path("UploadedBytes").asLong()).isEqualTo(1_048_576);
  }

  @Test
  @DisplayName("The line carries the invocation's request id, to find its log lines")
  void theLineCarriesTheRequestId() throws Exception {
    try (var invocation = InvocationLogContext.continuing("req-7", false)) {
      metrics.served(new ServedRequest(ServedRequest.UNMATCHED, 401, Duration.ofMillis(1), 0));
    }

    assertThat(lines().getFirst().path("requestId").asText()).isEqualTo("req-7");
  }
}
