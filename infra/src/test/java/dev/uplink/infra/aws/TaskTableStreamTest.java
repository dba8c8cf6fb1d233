package dev.uplink.infra.aws;

import static dev.uplink.core.testing.TaskBuilder.aTask;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.aws.DynamoDbTaskStore;
import dev.uplink.core.aws.StreamCheckpoints;
import dev.uplink.core.aws.TaskTableStream;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskEvent;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.infra.testing.LocalAwsExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Task events read from the task table's change stream, on DynamoDB Local. */
@DisplayName("The task table's stream, read as task events")
class TaskTableStreamTest {

  @RegisterExtension static final LocalAwsExtension aws = LocalAwsExtension.create();

  private static final Duration LEASE = Duration.ofMinutes(2);

  private DynamoDbTaskStore store;
  private Positions positions;
  private Instant now = Instant.parse("2026-12-07T10:00:00Z");

  @BeforeEach
  void createStore() {
    store =
        new DynamoDbTaskStore(aws.clients().dynamoDb(), aws.settings().table(), Duration.ofDays(1));
    positions = new Positions();
    drain(reader(positions)); // what earlier tests wrote
  }

  @Test
  @DisplayName("every status change is one event, in order, with the task as it became")
  void everyStatusChangeIsOneEventInOrder() {
    UploadTask task = aDoneTask();

    List<TaskEvent> events = eventsOf(task, drain(reader(positions)));

    assertThat(events)
        .extracting(TaskEvent::type)
        .containsExactly("upload.pending", "upload.processing", "upload.done");
    assertThat(events)
        .extracting(TaskEvent::id)
        .containsExactly(
            "evt_" + task.id().value() + "_1",
            "evt_" + task.id().value() + "_2",
            "evt_" + task.id().value() + "_3");
    assertThat(events.get(2).task().status()).isEqualTo(TaskStatus.DONE);
    assertThat(events.get(2).time()).isEqualTo(store.find(task.id()).orElseThrow().updatedAt());
  }

  @Test
  @DisplayName("a reader that started on a new table's empty stream reads the first events written")
  void aReaderStartedOnAnEmptyStreamReadsTheFirstEvents() {
    String table = aws.settings().table() + "-fresh-" + java.util.UUID.randomUUID();
    var dynamoDb = aws.clients().dynamoDb();
    dynamoDb.createTable(dev.uplink.infra.template.TemplateResources.packaged().table(table));
    try {
      var fresh = new DynamoDbTaskStore(dynamoDb, table, Duration.ofDays(1));
      var reader =
          new TaskTableStream(dynamoDb, aws.clients().dynamoDbStreams(), table, new Positions());
      assertThat(drain(reader)).isEmpty();
      UploadTask task = aTask().build();
      fresh.create(task);

      assertThat(eventsOf(task, drain(reader)))
          .extracting(TaskEvent::type)
          .containsExactly("upload.pending");
    } finally {
      dynamoDb.deleteTable(r -> r.tableName(table));
    }
  }

  @Test
  @DisplayName("progress, lease extensions and idempotency-key guards make no event")
  void writesThatChangeNoStatusMakeNone() {
    UploadTask task = aTask().idempotencyKey("key-1").build();
    store.create(task);
    UploadTask claimed = store.claim(task.id(), tick(), LEASE);
    store.recordProgress(task.id(), claimed.attempts(), 1234);
    store.extendLease(task.id(), claimed.attempts(), tick().plus(LEASE));

    assertThat(eventsOf(task, drain(reader(positions))))
        .extracting(TaskEvent::type)
        .containsExactly("upload.pending", "upload.processing");
  }

  @Test
  @DisplayName("a reader started again goes on from where the last one handed on")
  void aRestartedReaderGoesOnFromItsPosition() {
    UploadTask first = aDoneTask();
    drain(reader(positions));
    UploadTask second = aDoneTask();

    List<TaskEvent> afterRestart = drain(reader(positions));

    assertThat(eventsOf(first, afterRestart)).isEmpty();
    assertThat(eventsOf(second, afterRestart)).hasSize(3);
  }

  @Test
  @DisplayName("a reader without a position reads everything again, with the same event ids")
  void aReaderWithoutAPositionRepeatsTheSameEvents() {
    UploadTask task = aDoneTask();
    List<TaskEvent> once = eventsOf(task, drain(reader(positions)));

    List<TaskEvent> again = eventsOf(task, drain(reader(new Positions())));

    assertThat(again)
        .extracting(TaskEvent::id)
        .isEqualTo(once.stream().map(TaskEvent::id).toList());
  }

  @Test
  @DisplayName(
      "when the sink fails, the next read hands on the event it failed on, and no earlier one")
  void aFailingSinkGetsTheEventAgain() {
    UploadTask task = aDoneTask();
    TaskTableStream reader = reader(positions);
    var taken = new ArrayList<TaskEvent>();

    assertThatThrownBy(
            () ->
                reader.readNew(
                    event -> {
                      if (event.type().equals("upload.processing")) {
                        throw new IllegalStateException("receiver down");
                      }
                      taken.add(event);
                    }))
        .hasMessage("receiver down");
    reader.readNew(taken::add);

    assertThat(eventsOf(task, taken))
        .extracting(TaskEvent::type)
        .containsExactly("upload.pending", "upload.processing", "upload.done");
  }

  @Test
  @DisplayName("a failed task's event carries the reason")
  void aFailedTaskCarriesTheReason() {
    UploadTask task = aTask().build();
    store.create(task);
    UploadTask claimed = store.claim(task.id(), tick(), LEASE);
    store.finish(
        task.id(),
        claimed.attempts(),
        TaskStatus.FAILED,
        Optional.of(new TaskError(TaskError.INSTANCE_NOT_FOUND, "no instance web")),
        tick());

    TaskEvent failed = eventsOf(task, drain(reader(positions))).getLast();

    assertThat(failed.type()).isEqualTo("upload.failed");
    assertThat(failed.task().lastError())
        .map(TaskError::code)
        .contains(TaskError.INSTANCE_NOT_FOUND);
  }

  private UploadTask aDoneTask() {
    UploadTask task = aTask().build();
    store.create(task);
    UploadTask claimed = store.claim(task.id(), tick(), LEASE);
    store.finish(task.id(), claimed.attempts(), TaskStatus.DONE, Optional.empty(), tick());
    return task;
  }

  private Instant tick() {
    now = now.plusMillis(5);
    return now;
  }

  private static TaskTableStream reader(StreamCheckpoints positions) {
    return new TaskTableStream(
        aws.clients().dynamoDb(),
        aws.clients().dynamoDbStreams(),
        aws.settings().table(),
        positions);
  }

  private static List<TaskEvent> drain(TaskTableStream reader) {
    var events = new ArrayList<TaskEvent>();
    reader.readNew(events::add);
    return events;
  }

  private static List<TaskEvent> eventsOf(UploadTask task, List<TaskEvent> events) {
    return events.stream().filter(e -> e.task().id().equals(task.id())).toList();
  }

  /** Positions in memory: the file-backed ones have their own test. */
  private static final class Positions implements StreamCheckpoints {
    private final Map<String, String> positions = new HashMap<>();

    @Override
    public Optional<String> position(String shardId) {
      return Optional.ofNullable(positions.get(shardId)).filter(p -> !p.equals("finished"));
    }

    @Override
    public boolean finished(String shardId) {
      return "finished".equals(positions.get(shardId));
    }

    @Override
    public void advance(String shardId, String sequenceNumber) {
      positions.put(shardId, sequenceNumber);
    }

    @Override
    public void finish(String shardId) {
      positions.put(shardId, "finished");
    }
  }
}
