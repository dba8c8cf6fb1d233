package dev.uplink.processor.lambda;

import static dev.uplink.processor.PushWorkerBuilder.aPushWorker;
import static dev.uplink.processor.PushWorkerBuilder.productionSettings;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.testing.InMemoryTaskStore;
import dev.uplink.processor.FakeSqsClient;
import dev.uplink.processor.InMemoryObjectStore;
import dev.uplink.processor.PushWorker;
import dev.uplink.processor.RecordingFileTarget;
import dev.uplink.processor.TargetUnavailableException;
import dev.uplink.processor.Tasks;
import dev.uplink.processor.WorkerSettings;
import dev.uplink.processor.aws.SqsMessages;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProcessorHandlerTest {

  private static final TaskId SUCCEEDING = new TaskId("01JDQ5Z7X8M4ZK6V1S2T3W4Y5A");
  private static final TaskId FAILING = new TaskId("01JDQ5Z7X8M4ZK6V1S2T3W4Y5B");
  private static final String SUCCEEDING_MESSAGE_ID = "059f36b4-87a3-44ab-83d2-661975830a7d";
  private static final String FAILING_MESSAGE_ID = "2e1424d4-f796-459a-8184-9c92662be6da";
  private static final String FAILING_RECEIPT = "AQEBzWwaftRI0KuVm4tP+/7q1rGgNqicHq...";
  private static final String SUCCEEDING_RECEIPT = "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...";
  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

  private final InMemoryTaskStore tasks = new InMemoryTaskStore();
  private final InMemoryObjectStore objects = new InMemoryObjectStore();
  private final FakeSqsClient sqs = new FakeSqsClient();
  private final RecordingFileTarget target =
      new RecordingFileTarget()
          .failFor("/srv/b.txt", new TargetUnavailableException("Incus is unavailable", null));
  private final PushWorker worker =
      aPushWorker()
          .tasks(tasks)
          .objects(objects)
          .target(target)
          // ticking, so deadlines pass
          .clock(Clock.offset(Clock.systemUTC(), Duration.between(Instant.now(), NOW)))
          .settings(productionSettings().withVisibilityTimeout(Duration.ofSeconds(60)))
          .build();
  private final ProcessorHandler handler =
      new ProcessorHandler(
          worker,
          arn -> new SqsMessages(sqs, "https://sqs.local/uplink-tasks"),
          Duration.ofMillis(200));

  @AfterEach
  void close() {
    worker.close();
  }

  @Test
  void givenTwoRecordsOneFailingTransiently_whenHandled_thenOnlyTheFailingIdIsReportedWithBackoff()
      throws Exception {
    task(SUCCEEDING, "/srv/a.txt");
    task(FAILING, "/srv/b.txt");

    SQSBatchResponse response = handler.handleRequest(event("sqs-event-two-records.json"), null);

    assertThat(failedIds(response)).containsExactly(FAILING_MESSAGE_ID);
    assertThat(target.pushes())
        .singleElement()
        .satisfies(p -> assertThat(p.destination().path()).isEqualTo("/srv/a.txt"));
    assertThat(tasks.find(SUCCEEDING).orElseThrow().status()).isEqualTo(TaskStatus.DONE);
    assertThat(tasks.find(FAILING).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
    // Receive 3: full jitter up to 2^3 s, set on the record's receipt handle before reporting.
    assertThat(sqs.visibilityChangesOf(FAILING_RECEIPT))
        .singleElement()
        .satisfies(s -> assertThat(s).isBetween(1, 8));
    assertThat(sqs.visibilityChangesOf(SUCCEEDING_RECEIPT)).isEmpty();
    assertThat(sqs.deletedReceiptHandles()).isEmpty(); // Lambda deletes the successes itself
  }

  @Test
  void givenAllRecordsSucceed_whenHandled_thenNoFailureIsReported() throws Exception {
    task(SUCCEEDING, "/srv/a.txt");
    task(FAILING, "/srv/elsewhere.txt");

    SQSBatchResponse response = handler.handleRequest(event("sqs-event-two-records.json"), null);

    assertThat(response.getBatchItemFailures()).isEmpty();
  }

  @Test
  void givenFifoQueueAndFirstRecordFails_whenHandled_thenTheRestIsKeptUnprocessedWithItsBackoff()
      throws Exception {
    task(FAILING, "/srv/b.txt");
    task(SUCCEEDING, "/srv/a.txt");
    SQSEvent event = event("sqs-event-two-records.json");
    var reversed = new ArrayList<>(event.getRecords());
    Collections.reverse(reversed);
    reversed.forEach(r -> r.setEventSourceArn("arn:aws:sqs:us-east-1:123456789012:uplink.fifo"));
    event.setRecords(reversed);

    SQSBatchResponse response = handler.handleRequest(event, null);

    assertThat(failedIds(response)).containsExactly(FAILING_MESSAGE_ID, SUCCEEDING_MESSAGE_ID);
    assertThat(target.started()).isEqualTo(1);
    assertThat(tasks.find(SUCCEEDING).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
    assertThat(sqs.visibilityChangesOf(SUCCEEDING_RECEIPT))
        .isEqualTo(sqs.visibilityChangesOf(FAILING_RECEIPT));
  }

  @Test
  void givenStandardQueueAndFirstRecordFails_whenHandled_thenTheRestIsStillProcessed()
      throws Exception {
    task(FAILING, "/srv/b.txt");
    task(SUCCEEDING, "/srv/a.txt");
    SQSEvent event = event("sqs-event-two-records.json");
    var reversed = new ArrayList<>(event.getRecords());
    Collections.reverse(reversed);
    event.setRecords(reversed);

    SQSBatchResponse response = handler.handleRequest(event, null);

    assertThat(failedIds(response)).containsExactly(FAILING_MESSAGE_ID);
    assertThat(tasks.find(SUCCEEDING).orElseThrow().status()).isEqualTo(TaskStatus.DONE);
  }

  @Test
  void givenPushOutlastingTheLambda_whenTheDeadlineNears_thenAbortedTaskReleasedMessageLeft()
      throws Exception {
    target.delay(Duration.ofSeconds(20));
    task(SUCCEEDING, "/srv/a.txt");
    task(FAILING, "/srv/elsewhere.txt");
    long started = System.nanoTime();

    SQSBatchResponse response =
        handler.handleRequest(event("sqs-event-two-records.json"), context(700));

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
    assertThat(failedIds(response)).containsExactly(SUCCEEDING_MESSAGE_ID, FAILING_MESSAGE_ID);
    UploadTask first = tasks.find(SUCCEEDING).orElseThrow();
    assertThat(first.status()).isEqualTo(TaskStatus.PENDING);
    assertThat(first.lastError()).isEmpty();
    assertThat(first.leaseUntil()).isEmpty();
    assertThat(first.attempts()).isEqualTo(1);
    assertThat(target.interrupted()).isEqualTo(1);
    // The second was never started: untouched, and visible again at once.
    assertThat(tasks.find(FAILING).orElseThrow().attempts()).isZero();
    assertThat(sqs.visibilityChangesOf(SUCCEEDING_RECEIPT)).containsExactly(0);
    assertThat(sqs.visibilityChangesOf(FAILING_RECEIPT)).containsExactly(0);
  }

  @Test
  void givenPoisonRecord_whenHandled_thenReportedFailedAndVisibleAtOnceForRedrive() {
    var record = new SQSEvent.SQSMessage();
    record.setMessageId("poison-1");
    record.setReceiptHandle("rh-poison");
    record.setBody("not json at all");
    record.setEventSourceArn("arn:aws:sqs:us-east-1:123456789012:uplink-tasks");
    var event = new SQSEvent();
    event.setRecords(java.util.List.of(record));

    SQSBatchResponse response = handler.handleRequest(event, null);

    assertThat(failedIds(response)).containsExactly("poison-1");
    assertThat(sqs.visibilityChangesOf("rh-poison")).containsExactly(0);
  }

  @Test
  void givenIncusUnreachable_whenHandled_thenEveryRecordIsReportedFailedHeldLongAndNoRetryIsUsed()
      throws Exception {
    task(SUCCEEDING, "/srv/a.txt"); // receive 1
    task(FAILING, "/srv/b.txt"); // receive 3
    target.unreachable(true);

    SQSBatchResponse response = handler.handleRequest(event("sqs-event-two-records.json"), null);

    assertThat(failedIds(response))
        .containsExactlyInAnyOrder(SUCCEEDING_MESSAGE_ID, FAILING_MESSAGE_ID);
    WorkerSettings settings = worker.settings();
    assertThat(sqs.visibilityChangesOf(SUCCEEDING_RECEIPT))
        .as("held for the first receive's hold, not a backoff of seconds")
        .containsExactly((int) settings.retry().hold(1).toSeconds());
    assertThat(sqs.visibilityChangesOf(FAILING_RECEIPT))
        .containsExactly((int) settings.retry().hold(3).toSeconds());
    assertThat(tasks.find(SUCCEEDING).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
    assertThat(tasks.find(FAILING).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
    assertThat(
            tasks.find(FAILING).orElseThrow().attempts()
                + tasks.find(SUCCEEDING).orElseThrow().attempts())
        .as(
            "one attempt found the host down and opened its circuit; the other task was not claimed")
        .isEqualTo(1);
    assertThat(worker.circuits().isOpen("incus.test:8443")).isTrue();
  }

  @Test
  void givenEmptyEvent_whenHandled_thenNoFailure() {
    assertThat(handler.handleRequest(new SQSEvent(), null).getBatchItemFailures()).isEmpty();
  }

  private void task(TaskId id, String path) {
    Tasks.pending(tasks, objects, id, path, NOW);
  }

  private static java.util.List<String> failedIds(SQSBatchResponse response) {
    return response.getBatchItemFailures().stream()
        .map(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
        .toList();
  }

  /** A Lambda context whose remaining time starts at {@code millis} and runs down. */
  private static Context context(long millis) {
    long end = System.currentTimeMillis() + millis;
    return (Context)
        Proxy.newProxyInstance(
            Context.class.getClassLoader(),
            new Class<?>[] {Context.class},
            (proxy, method, args) -> {
              if (method.getName().equals("getRemainingTimeInMillis")) {
                return (int) Math.max(0, end - System.currentTimeMillis());
              }
              if (method.getReturnType() == int.class) {
                return 0;
              }
              return null;
            });
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
