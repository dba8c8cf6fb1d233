package dev.uplink.api.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.uplink.api.DirectUploadService;
import dev.uplink.api.UploadLimits;
import dev.uplink.api.UploadService;
import dev.uplink.api.fakes.InMemoryDirectUploads;
import dev.uplink.api.fakes.RecordingTaskQueue;
import dev.uplink.api.fakes.StreamingObjectStore;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.DestinationPolicy;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.testing.InMemoryTaskStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** S3 event notifications, as SQS delivers them, complete presigned uploads once. */
class ObjectCreatedHandlerTest {

  private final InMemoryTaskStore tasks = new InMemoryTaskStore();
  private final RecordingTaskQueue queue = new RecordingTaskQueue();
  private final InMemoryDirectUploads uploads = new InMemoryDirectUploads();
  private final DirectUploadService direct =
      new UploadService(
              tasks,
              new StreamingObjectStore(),
              queue,
              Clock.systemUTC(),
              UploadLimits.defaults(),
              Optional.of(uploads))
          .direct()
          .orElseThrow();
  private final ObjectCreatedHandler handler = new ObjectCreatedHandler(direct);

  private static String notification(String eventName, String encodedKey) {
    return """
        {"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1",
          "eventTime":"2026-11-22T10:00:00.000Z","eventName":"%s",
          "s3":{"s3SchemaVersion":"1.0","configurationId":"uploads",
            "bucket":{"name":"uplink-uploads","arn":"arn:aws:s3:::uplink-uploads"},
            "object":{"key":"%s","size":5,"eTag":"x","sequencer":"0A1B2C"}}}]}
        """
        .formatted(eventName, encodedKey);
  }

  private static SQSEvent event(String... bodies) {
    var messages =
        IntStream.range(0, bodies.length)
            .mapToObj(
                i -> {
                  var message = new SQSEvent.SQSMessage();
                  message.setMessageId("m" + i);
                  message.setBody(bodies[i]);
                  return message;
                })
            .toList();
    var event = new SQSEvent();
    event.setRecords(messages);
    return event;
  }

  private UploadTask uploaded(byte[] content) throws Exception {
    String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    UploadTask task =
        direct
            .presignPut(
                new Caller("alice", DestinationPolicy.allowAll()),
                Destination.of("web", "/srv/a"),
                content.length,
                sha256,
                Optional.empty())
            .task();
    uploads.putObject(task.objectKey(), content);
    return task;
  }

  @Test
  void anObjectCreatedEventCompletesItsTaskAndARepeatIsANoOp() throws Exception {
    UploadTask task = uploaded("hello".getBytes(StandardCharsets.UTF_8));
    String body = notification("ObjectCreated:Put", task.objectKey());

    SQSBatchResponse first = handler.handleRequest(event(body), null);
    SQSBatchResponse again = handler.handleRequest(event(body, body), null);

    assertThat(first.getBatchItemFailures()).isEmpty();
    assertThat(again.getBatchItemFailures()).isEmpty();
    assertThat(tasks.find(task.id()).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
    assertThat(queue.published()).containsExactly(task.id());
  }

  @Test
  void keysAreUrlDecodedAsS3EncodesThem() {
    assertThat(
            ObjectCreatedHandler.objectKeys(notification("ObjectCreated:Put", "uploads/a+b%2Fc")))
        .containsExactly("uploads/a b/c");
  }

  @Test
  void testEventsOtherEventsAndMalformedBodiesAreDropped() {
    var response =
        handler.handleRequest(
            event(
                "{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Bucket\":\"b\"}",
                "not json",
                notification("ObjectRemoved:Delete", "uploads/01ARZ3NDEKTSV4RRFFQ69G5FAV"),
                notification("ObjectCreated:Put", "elsewhere/file"),
                notification("ObjectCreated:Put", "uploads/%zz")),
            null);

    assertThat(response.getBatchItemFailures()).isEmpty();
    assertThat(queue.published()).isEmpty();
  }

  @Test
  void anEventForAKeyNoTaskHasIsIgnored() {
    var response =
        handler.handleRequest(
            event(notification("ObjectCreated:Put", "uploads/" + TaskId.newId().value())), null);

    assertThat(response.getBatchItemFailures()).isEmpty();
    assertThat(queue.published()).isEmpty();
  }

  @Test
  void anObjectUnlikeItsDeclarationFailsTheTaskWithoutARetry() throws Exception {
    UploadTask task = uploaded("declared".getBytes(StandardCharsets.UTF_8));
    uploads.putObject(task.objectKey(), "replaced".getBytes(StandardCharsets.UTF_8));

    var response =
        handler.handleRequest(event(notification("ObjectCreated:Put", task.objectKey())), null);

    assertThat(response.getBatchItemFailures()).isEmpty();
    UploadTask failed = tasks.find(task.id()).orElseThrow();
    assertThat(failed.status()).isEqualTo(TaskStatus.FAILED);
    assertThat(failed.lastError().orElseThrow().code()).isEqualTo(TaskError.UPLOAD_MISMATCH);
    assertThat(queue.published()).isEmpty();
  }

  @Test
  void aStoreOutageReportsOnlyThatMessageForRedelivery() throws Exception {
    UploadTask task = uploaded("x".getBytes(StandardCharsets.UTF_8));
    tasks.failFindsWith(new RuntimeException("DynamoDB is down"));

    var response =
        handler.handleRequest(
            event(
                "{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Bucket\":\"b\"}",
                notification("ObjectCreated:Put", task.objectKey())),
            null);

    assertThat(response.getBatchItemFailures())
        .extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
        .isEqualTo(List.of("m1"));
  }

  @Test
  void aRedeliveryAfterTheOutageCompletesTheTask() throws Exception {
    UploadTask task = uploaded("x".getBytes(StandardCharsets.UTF_8));
    SQSEvent delivery = event(notification("ObjectCreated:Put", task.objectKey()));
    tasks.failFindsWith(new RuntimeException("DynamoDB is down"));
    handler.handleRequest(delivery, null);

    tasks.failFindsWith(null);
    var response = handler.handleRequest(delivery, null);

    assertThat(response.getBatchItemFailures()).isEmpty();
    assertThat(tasks.find(task.id()).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
    assertThat(queue.published()).containsExactly(task.id());
  }

  @Test
  void givenAnEventWithoutRecords_whenHandled_thenNoMessageFailsAndNothingIsCompleted() {
    assertThat(handler.handleRequest(new SQSEvent(), null).getBatchItemFailures()).isEmpty();
    assertThat(handler.handleRequest(null, null).getBatchItemFailures()).isEmpty();
    assertThat(queue.published()).isEmpty();
  }
}
