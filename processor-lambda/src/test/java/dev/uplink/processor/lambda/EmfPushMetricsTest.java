package dev.uplink.processor.lambda;

import static dev.uplink.core.testing.TaskBuilder.aTask;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.processor.Tasks;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the Lambda prints for CloudWatch: Embedded Metric Format lines, as AWS documents them. */
class EmfPushMetricsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant CREATED = Instant.parse("2026-11-22T10:00:00Z");

  /** The JSON lines {@code work} prints on standard output. */
  private static List<JsonNode> printed(Runnable work) throws Exception {
    PrintStream original = System.out;
    var captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      work.run();
    } finally {
      System.setOut(original);
    }
    var lines = new ArrayList<JsonNode>();
    for (String line : captured.toString(StandardCharsets.UTF_8).split("\n")) {
      if (!line.isBlank()) {
        lines.add(JSON.readTree(line));
      }
    }
    return lines;
  }

  /** The metric names an EMF line declares in its {@code _aws} metadata. */
  private static List<String> declared(JsonNode line) {
    var names = new ArrayList<String>();
    line.path("_aws")
        .path("CloudWatchMetrics")
        .forEach(
            directive -> {
              assertThat(directive.path("Namespace").asText()).isEqualTo("Uplink");
              directive.path("Metrics").forEach(m -> names.add(m.path("Name").asText()));
            });
    return names;
  }

  @Test
  void anInvocationsCountsLeaveAsOneLineWhoseMetadataDeclaresEveryMetric() throws Exception {
    var metrics = new EmfPushMetrics();
    UploadTask first = Tasks.pending(1000, CREATED);
    UploadTask second = Tasks.pending(24, CREATED);

    List<JsonNode> lines =
        printed(
            () -> {
              metrics.done(first, Duration.ofMillis(120), CREATED.plusSeconds(3));
              metrics.done(second, Duration.ofMillis(80), CREATED.plusSeconds(5));
              metrics.retried(first, "INCUS_UNAVAILABLE");
              metrics.flush();
            });

    // One line for the retry by its error code, at once; one for the invocation, at the flush,
    // then one per Incus remote the invocation pushed to.
    assertThat(lines).hasSize(3);
    JsonNode byCode = lines.get(0);
    assertThat(byCode.path("ErrorCode").asText()).isEqualTo("INCUS_UNAVAILABLE");
    assertThat(byCode.path("TasksRetried").asInt()).isEqualTo(1);
    assertThat(declared(byCode)).containsExactly("TasksRetried");

    JsonNode invocation = lines.get(1);
    assertThat(invocation.path("_aws").path("Timestamp").asLong()).isPositive();
    assertThat(declared(invocation))
        .containsExactlyInAnyOrder(
            "TasksDone", "BytesPushed", "PushDuration", "TaskLatency", "TasksRetried");
    assertThat(values(invocation, "TasksDone")).containsExactly(1.0, 1.0);
    assertThat(values(invocation, "BytesPushed")).containsExactly(1000.0, 24.0);
    assertThat(values(invocation, "TaskLatency")).containsExactly(3000.0, 5000.0);
    assertThat(values(invocation, "TasksRetried")).containsExactly(1.0);

    JsonNode byRemote = lines.get(2);
    assertThat(byRemote.path("Remote").asText()).as("the default remote").isEqualTo("default");
    assertThat(declared(byRemote)).containsExactlyInAnyOrder("TasksDone", "TasksRetried");
    assertThat(values(byRemote, "TasksDone")).containsExactly(2.0);
    assertThat(values(byRemote, "TasksRetried")).containsExactly(1.0);
  }

  @Test
  void eachRemoteCountsInALineOfItsOwnWithTheRemoteAsItsDimension() throws Exception {
    var metrics = new EmfPushMetrics();
    UploadTask toLab =
        aTask().to(Destination.of("web-1", "/srv/f").on("lab", null)).createdAt(CREATED).build();

    List<JsonNode> lines =
        printed(
            () -> {
              metrics.done(toLab, Duration.ZERO, CREATED);
              metrics.failed(toLab, "INCUS_FORBIDDEN");
              metrics.done(Tasks.pending(5, CREATED), Duration.ZERO, CREATED);
              metrics.flush();
            });

    var byRemote = new java.util.HashMap<String, JsonNode>();
    lines.stream()
        .filter(line -> line.has("Remote"))
        .forEach(line -> byRemote.put(line.path("Remote").asText(), line));
    assertThat(byRemote).containsOnlyKeys("lab", "default");
    assertThat(values(byRemote.get("lab"), "TasksDone")).containsExactly(1.0);
    assertThat(values(byRemote.get("lab"), "TasksFailed")).containsExactly(1.0);
    assertThat(values(byRemote.get("default"), "TasksDone")).containsExactly(1.0);
  }

  @Test
  void anInvocationThatCountedNothingPrintsNothing() throws Exception {
    var metrics = new EmfPushMetrics();

    assertThat(printed(metrics::flush)).isEmpty();
  }

  @Test
  void eachFlushStartsAFreshLine() throws Exception {
    var metrics = new EmfPushMetrics();
    printed(
        () -> {
          metrics.done(Tasks.pending(5, CREATED), Duration.ZERO, CREATED);
          metrics.flush();
        });

    List<JsonNode> second =
        printed(
            () -> {
              metrics.failed(Tasks.pending(7, CREATED), "INSTANCE_NOT_FOUND");
              metrics.flush();
            });

    assertThat(second).as("by code, the invocation, by remote").hasSize(3);
    assertThat(declared(second.get(1))).containsExactly("TasksFailed");
    assertThat(declared(second.get(2))).containsExactly("TasksFailed");
  }

  /** A metric's values: one number, or the list EMF writes when a name was put several times. */
  private static List<Double> values(JsonNode line, String name) {
    JsonNode value = line.path(name);
    var values = new ArrayList<Double>();
    if (value.isArray()) {
      value.forEach(v -> values.add(v.asDouble()));
    } else {
      values.add(value.asDouble());
    }
    return values;
  }
}
