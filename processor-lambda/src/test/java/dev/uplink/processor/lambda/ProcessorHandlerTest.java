package dev.uplink.processor.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.processor.InMemoryObjectStore;
import dev.uplink.processor.InMemoryTaskStore;
import dev.uplink.processor.PushWorker;
import dev.uplink.processor.RecordingFileTarget;
import dev.uplink.processor.TargetUnavailableException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;

class ProcessorHandlerTest {

  private static final TaskId SUCCEEDING = new TaskId("01JDQ5Z7X8M4ZK6V1S2T3W4Y5A");
  private static final TaskId FAILING = new TaskId("01JDQ5Z7X8M4ZK6V1S2T3W4Y5B");
  private static final String FAILING_MESSAGE_ID = "2e1424d4-f796-459a-8184-9c92662be6da";
  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

  private final InMemoryTaskStore tasks = new InMemoryTaskStore();
  private final InMemoryObjectStore objects = new InMemoryObjectStore();
  private final RecordingFileTarget target =
      new RecordingFileTarget()
          .failFor("/srv/b.txt", new TargetUnavailableException("Incus is unavailable", null));
  private final ProcessorHandler handler =
      new ProcessorHandler(
          new PushWorker(tasks, objects, target, Clock.fixed(NOW, ZoneOffset.UTC)));

  @Test
  void givenTwoRecordsOneFailingTransiently_whenHandled_thenOnlyTheFailingIdIsReported()
      throws Exception {
    task(SUCCEEDING, "/srv/a.txt");
    task(FAILING, "/srv/b.txt");

    SQSBatchResponse response = handler.handleRequest(event("sqs-event-two-records.json"), null);

    assertThat(response.getBatchItemFailures())
        .extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
        .containsExactly(FAILING_MESSAGE_ID);
    assertThat(target.pushes())
        .singleElement()
        .satisfies(p -> assertThat(p.destination().path()).isEqualTo("/srv/a.txt"));
    assertThat(tasks.find(SUCCEEDING).orElseThrow().status()).isEqualTo(TaskStatus.DONE);
    assertThat(tasks.find(FAILING).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
  }

  @Test
  void givenAllRecordsSucceed_whenHandled_thenNoFailureIsReported() throws Exception {
    task(SUCCEEDING, "/srv/a.txt");
    task(FAILING, "/srv/elsewhere.txt");

    SQSBatchResponse response = handler.handleRequest(event("sqs-event-two-records.json"), null);

    assertThat(response.getBatchItemFailures()).isEmpty();
  }

  @Test
  void givenFifoQueueAndFirstRecordFails_whenHandled_thenTheRestIsKeptUnprocessed()
      throws Exception {
    task(FAILING, "/srv/b.txt");
    task(SUCCEEDING, "/srv/a.txt");
    SQSEvent event = event("sqs-event-two-records.json");
    var reversed = new ArrayList<>(event.getRecords());
    java.util.Collections.reverse(reversed);
    reversed.forEach(r -> r.setEventSourceArn("arn:aws:sqs:us-east-1:123456789012:uplink.fifo"));
    event.setRecords(reversed);

    SQSBatchResponse response = handler.handleRequest(event, null);

    assertThat(response.getBatchItemFailures())
        .extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
        .containsExactly(FAILING_MESSAGE_ID, "059f36b4-87a3-44ab-83d2-661975830a7d");
    assertThat(target.pushes()).isEmpty();
  }

  @Test
  void givenEmptyEvent_whenHandled_thenNoFailure() {
    assertThat(handler.handleRequest(new SQSEvent(), null).getBatchItemFailures()).isEmpty();
  }

  private void task(TaskId id, String path) {
    byte[] content = ("content of " + path).getBytes();
    objects.put("uploads/" + id, content);
    tasks.create(
        UploadTask.pending(
            id,
            "alice",
            Destination.of("app", path),
            "uploads/" + id,
            content.length,
            "0".repeat(64),
            NOW));
  }

  /** Reads a fixture as Lambda's runtime would (its field names are not the beans' names). */
  private static SQSEvent event(String resource) throws Exception {
    var mapper =
        JsonMapper.builder()
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    try (InputStream in = ProcessorHandlerTest.class.getResourceAsStream("/" + resource)) {
      return mapper.readValue(in, SQSEvent.class);
    }
  }
}
