package dev.uplink.core.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskNotFoundException;
import dev.uplink.core.domain.TaskQueue;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.Transition;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.json.TaskMessage;
import dev.uplink.core.testing.InMemoryDeadLetterQueue;
import dev.uplink.core.testing.InMemoryTaskStore;
import dev.uplink.core.testing.SettableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

@DisplayName("The operators' service")
class OperatorServiceTest {

  private static final Instant START = Instant.parse("2026-11-22T10:00:00Z");
  private static final TaskError UNREACHABLE =
      new TaskError("INCUS_UNAVAILABLE", "connection refused");
  private static final String OPS = "ops";

  private final SettableClock clock = new SettableClock(START);
  private final InMemoryTaskStore tasks = new InMemoryTaskStore(clock);
  private final InMemoryDeadLetterQueue dlq = new InMemoryDeadLetterQueue(clock);
  private final List<TaskId> published = new CopyOnWriteArrayList<>();
  private final List<Duration> pauses = new ArrayList<>();
  private final QueueSwitch queue = new QueueSwitch();
  private final OperatorService service =
      new OperatorService(tasks, queue, dlq, clock, pauses::add);

  /** The work queue: records what is published, or fails. */
  private final class QueueSwitch implements TaskQueue {
    RuntimeException failure;

    @Override
    public void publish(UploadTask task) {
      if (failure != null) {
        throw failure;
      }
      published.add(task.id());
    }
  }

  /**
   * A task that failed twice the way the worker records it: claimed, given back with an error,
   * claimed again, FAILED RETRIES_EXHAUSTED; its message is in the dead-letter queue.
   */
  private UploadTask exhausted(String path) {
    UploadTask task =
        UploadTask.pending(
            TaskId.newId(), "alice", Destination.of("web-1", path), "uploads/x", 5, "ab", now());
    tasks.create(task);
    clock.advance(Duration.ofSeconds(1));
    tasks.claim(task.id(), now(), Duration.ofMinutes(5));
    clock.advance(Duration.ofSeconds(1));
    tasks.finish(task.id(), 1, TaskStatus.PENDING, Optional.of(UNREACHABLE), now());
    clock.advance(Duration.ofSeconds(1));
    tasks.claim(task.id(), now(), Duration.ofMinutes(5));
    clock.advance(Duration.ofSeconds(1));
    UploadTask failed =
        tasks.finish(
            task.id(),
            2,
            TaskStatus.FAILED,
            Optional.of(new TaskError(TaskError.RETRIES_EXHAUSTED, UNREACHABLE.toString())),
            now());
    dlq.addTaskMessage(task.id());
    clock.advance(Duration.ofSeconds(1));
    return failed;
  }

  private UploadTask inStatus(TaskStatus status) {
    UploadTask task =
        UploadTask.pending(
            TaskId.newId(), "bob", Destination.of("web-2", "/srv/b"), "uploads/y", 1, "cd", now());
    tasks.put(InMemoryTaskStore.with(task, status, 1, Optional.empty(), Optional.empty(), now()));
    return task;
  }

  private Instant now() {
    return clock.instant();
  }

  private UploadTask task(TaskId id) {
    return tasks.find(id).orElseThrow();
  }

  @Nested
  @DisplayName("listing the dead-letter queue")
  class Listing {

    @Test
    @DisplayName("shows each message with its task, last error, failure times and the depths")
    void showsEachMessageWithItsTask() {
      UploadTask failed = exhausted("/srv/a.bin");
      dlq.workQueueVisible(4);

      DeadLetterListing listing = service.list(100);

      assertThat(listing.depths().workQueue().visible()).as("work queue depth").isEqualTo(4);
      assertThat(listing.depths().deadLetterQueue().total()).as("DLQ depth").isEqualTo(1);
      DeadLetterEntry entry = listing.messages().get(0);
      assertThat(entry.kind()).isEqualTo(DeadLetterEntry.Kind.TASK);
      assertThat(entry.taskId()).contains(failed.id());
      assertThat(entry.instance()).contains("web-1");
      assertThat(entry.path()).contains("/srv/a.bin");
      assertThat(entry.owner()).contains("alice");
      assertThat(entry.attempts()).isEqualTo(2);
      assertThat(entry.taskStatus()).contains(TaskStatus.FAILED);
      assertThat(entry.lastError().map(TaskError::code)).contains(TaskError.RETRIES_EXHAUSTED);
      assertThat(entry.firstFailureAt())
          .as("first failure: the give-back with INCUS_UNAVAILABLE")
          .contains(START.plusSeconds(2));
      assertThat(entry.lastFailureAt()).as("last failure: FAILED").contains(START.plusSeconds(4));
      assertThat(entry.receiveCount()).as("this look counts as a receive").isEqualTo(1);
      assertThat(entry.sentAt()).isEqualTo(START.plusSeconds(4));
      assertThat(listing.truncated()).isFalse();
    }

    @Test
    @DisplayName("names a message that is not a task message, and one whose task does not exist")
    void namesPoisonAndUnknownTasks() {
      dlq.add("not json at all");
      dlq.addTaskMessage(TaskId.newId());

      List<DeadLetterEntry> entries = service.list(10).messages();

      assertThat(entries)
          .extracting(DeadLetterEntry::kind)
          .containsExactly(DeadLetterEntry.Kind.NOT_A_TASK, DeadLetterEntry.Kind.UNKNOWN_TASK);
      assertThat(entries.get(0).taskLabel()).isEqualTo("not a task message");
      assertThat(entries.get(0).body()).isEqualTo("not json at all");
      assertThat(entries.get(1).taskLabel()).endsWith("(no such task)");
    }

    @Test
    @DisplayName("loses nothing: every message is visible again afterwards")
    void releasesEverything() {
      exhausted("/srv/a");
      exhausted("/srv/b");

      service.list(1);

      assertThat(dlq.held()).as("messages still held after the listing").isZero();
      assertThat(service.list(10).messages()).hasSize(2);
    }

    @Test
    @DisplayName("stops at the limit and says there is more")
    void stopsAtTheLimit() {
      exhausted("/srv/a");
      exhausted("/srv/b");
      exhausted("/srv/c");

      DeadLetterListing listing = service.list(2);

      assertThat(listing.messages()).hasSize(2);
      assertThat(listing.truncated()).isTrue();
      assertThatThrownBy(() -> service.list(0)).isInstanceOf(InvalidOperatorRequestException.class);
      assertThatThrownBy(() -> service.list(OperatorService.MAX_LIST + 1))
          .isInstanceOf(InvalidOperatorRequestException.class);
    }

    @Test
    @DisplayName("renders as JSON with every member present, absent values as null")
    void rendersAsJson() throws Exception {
      dlq.add("poison");

      String json = new ObjectMapper().writeValueAsString(service.list(10).toJson());

      assertThat(json)
          .contains("\"kind\":\"NOT_A_TASK\"")
          .contains("\"taskId\":null")
          .contains("\"lastError\":null")
          .contains("\"deadLetterQueue\":{\"queue\":\"uplink-tasks-dlq\"")
          .contains("\"lastRedrive\":null");
    }
  }

  @Nested
  @DisplayName("showing one task or message")
  class Showing {

    @Test
    @DisplayName("by task id: the task with its whole timeline and its messages")
    void byTaskId() {
      UploadTask failed = exhausted("/srv/a");
      exhausted("/srv/other");

      DeadLetterDetail detail = service.show(failed.id().value().toLowerCase());

      assertThat(detail.task().map(UploadTask::id)).contains(failed.id());
      assertThat(detail.task().orElseThrow().timeline())
          .extracting(Transition::to)
          .containsExactly(
              TaskStatus.PENDING,
              TaskStatus.PROCESSING,
              TaskStatus.PENDING,
              TaskStatus.PROCESSING,
              TaskStatus.FAILED);
      assertThat(detail.messages())
          .singleElement()
          .satisfies(m -> assertThat(m.taskId()).contains(failed.id()));
      assertThat(detail.toJson()).containsKeys("id", "task", "messages");
    }

    @Test
    @DisplayName("by message id: that message and its task")
    void byMessageId() {
      UploadTask failed = exhausted("/srv/a");
      String messageId = dlq.messageIds().get(0);

      DeadLetterDetail detail = service.show(messageId);

      assertThat(detail.messages())
          .extracting(DeadLetterEntry::messageId)
          .containsExactly(messageId);
      assertThat(detail.task().map(UploadTask::id)).contains(failed.id());
    }

    @Test
    @DisplayName("a task with no dead-lettered message is still shown; an unknown id is not found")
    void taskWithoutMessagesAndUnknownIds() {
      UploadTask done = inStatus(TaskStatus.DONE);

      assertThat(service.show(done.id().value()).messages()).isEmpty();
      assertThatThrownBy(() -> service.show(TaskId.newId().value()))
          .isInstanceOf(DeadLetterNotFoundException.class);
      assertThatThrownBy(() -> service.show("00000000-0000-0000-0000-000000000000"))
          .isInstanceOf(DeadLetterNotFoundException.class);
      assertThat(dlq.held()).isZero();
    }
  }

  @Nested
  @DisplayName("redriving everything")
  class RedriveAll {

    @Test
    @DisplayName("resets each FAILED task to PENDING, keeping attempts and timeline, then moves")
    void resetsThenMoves() {
      UploadTask a = exhausted("/srv/a");
      UploadTask b = exhausted("/srv/b");

      RedriveReport report = service.redrive(RedriveRequest.everything(OptionalInt.of(20)), OPS);

      assertThat(report.method()).isEqualTo(RedriveMethod.MOVE_TASK);
      assertThat(report.moveTask().orElseThrow().ratePerSecond()).hasValue(20);
      assertThat(report.count(RedriveOutcome.RETRIED)).isEqualTo(2);
      for (UploadTask failed : List.of(a, b)) {
        UploadTask now = task(failed.id());
        assertThat(now.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(now.attempts()).as("attempts kept").isEqualTo(2);
        assertThat(now.lastError()).as("last error kept").isEqualTo(failed.lastError());
        Transition last = now.timeline().get(now.timeline().size() - 1);
        assertThat(last.from()).contains(TaskStatus.FAILED);
        assertThat(last.reason()).isEqualTo("retried by an operator");
        assertThat(now.timeline()).hasSize(failed.timeline().size() + 1);
      }
      assertThat(dlq.movedBack())
          .containsExactlyInAnyOrder(TaskMessage.bodyFor(a.id()), TaskMessage.bodyFor(b.id()));
      assertThat(dlq.bodies()).as("left in the DLQ").isEmpty();
      assertThat(published).as("the move carries the messages, nothing is published").isEmpty();
    }

    @Test
    @DisplayName("leaves PENDING and PROCESSING tasks as they are and deletes stale messages")
    void requeuesLiveTasksAndDeletesStaleOnes() {
      UploadTask pending = inStatus(TaskStatus.PENDING);
      UploadTask processing = inStatus(TaskStatus.PROCESSING);
      UploadTask done = inStatus(TaskStatus.DONE);
      UploadTask cancelled = inStatus(TaskStatus.CANCELLED);
      for (UploadTask t : List.of(pending, processing, done, cancelled)) {
        dlq.addTaskMessage(t.id());
      }
      dlq.addTaskMessage(TaskId.newId()); // its task was never recorded, or has expired

      RedriveReport report = service.redrive(RedriveRequest.everything(OptionalInt.empty()), OPS);

      assertThat(report.count(RedriveOutcome.REQUEUED)).isEqualTo(2);
      assertThat(report.count(RedriveOutcome.STALE_DELETED)).isEqualTo(3);
      assertThat(task(pending.id()).status()).isEqualTo(TaskStatus.PENDING);
      assertThat(task(processing.id()).status()).isEqualTo(TaskStatus.PROCESSING);
      assertThat(task(done.id()).status()).isEqualTo(TaskStatus.DONE);
      assertThat(dlq.movedBack())
          .containsExactlyInAnyOrder(
              TaskMessage.bodyFor(pending.id()), TaskMessage.bodyFor(processing.id()));
      assertThat(dlq.bodies()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TaskStatus.class)
    @Timeout(10)
    @DisplayName("decides about a message whatever its task's status, a status added later too")
    void everyStatusHasAnOutcome(TaskStatus status) {
      UploadTask task = inStatus(status);
      dlq.addTaskMessage(task.id());

      RedriveReport report = service.redrive(RedriveRequest.everything(OptionalInt.empty()), OPS);

      assertThat(report.items())
          .singleElement()
          .satisfies(item -> assertThat(item.outcome()).isNotEqualTo(RedriveOutcome.ERROR));
    }

    @Test
    @DisplayName("with a poison message in the queue, sends the others one by one and keeps it")
    void poisonMakesItLoop() {
      UploadTask failed = exhausted("/srv/a");
      dlq.add("{\"task_id\":42}");

      RedriveReport report = service.redrive(RedriveRequest.everything(OptionalInt.empty()), OPS);

      assertThat(report.method()).isEqualTo(RedriveMethod.RECEIVE_SEND_DELETE);
      assertThat(report.methodReason()).contains("not task messages");
      assertThat(report.count(RedriveOutcome.NOT_A_TASK)).isEqualTo(1);
      assertThat(published).containsExactly(failed.id());
      assertThat(dlq.movedBack()).isEmpty();
      assertThat(dlq.bodies()).containsExactly("{\"task_id\":42}");
      assertThat(dlq.held()).as("the poison message is released").isZero();
    }

    @Test
    @DisplayName("on a queue that cannot move messages, sends them one by one at the rate")
    void loopsAtTheRate() {
      dlq.moveSupported(false);
      exhausted("/srv/a");
      exhausted("/srv/b");
      exhausted("/srv/c");

      RedriveReport report = service.redrive(RedriveRequest.everything(OptionalInt.of(4)), OPS);

      assertThat(report.method()).isEqualTo(RedriveMethod.RECEIVE_SEND_DELETE);
      assertThat(report.count(RedriveOutcome.RETRIED)).isEqualTo(3);
      assertThat(published).hasSize(3);
      assertThat(pauses)
          .as("a pause between two messages")
          .containsExactly(Duration.ofMillis(250), Duration.ofMillis(250));
      assertThat(dlq.bodies()).isEmpty();
    }

    @Test
    @DisplayName("does not move when another reader holds messages it has not reset")
    void anotherReaderMakesItLoop() {
      UploadTask mine = exhausted("/srv/a");
      exhausted("/srv/b");
      dlq.holdElsewhere(dlq.messageIds().get(1), Duration.ofMinutes(1));

      RedriveReport report = service.redrive(RedriveRequest.everything(OptionalInt.empty()), OPS);

      assertThat(report.method()).isEqualTo(RedriveMethod.RECEIVE_SEND_DELETE);
      assertThat(report.methodReason()).contains("changed while it was read");
      assertThat(published).containsExactly(mine.id());
      assertThat(dlq.bodies()).as("the other reader's message stays").hasSize(1);
    }

    @Test
    @DisplayName("refuses while a move is running, changing nothing")
    void refusesWhileAMoveRuns() {
      UploadTask failed = exhausted("/srv/a");
      dlq.moveRunning(true);

      assertThatThrownBy(() -> service.redrive(RedriveRequest.everything(OptionalInt.empty()), OPS))
          .isInstanceOf(RedriveInProgressException.class)
          .hasMessageContaining("already running");
      assertThat(task(failed.id()).status()).isEqualTo(TaskStatus.FAILED);
      assertThat(dlq.held()).isZero();
    }

    @Test
    @DisplayName("with nothing to send back, does nothing")
    void nothingToDo() {
      RedriveReport report = service.redrive(RedriveRequest.everything(OptionalInt.empty()), OPS);

      assertThat(report.method()).isEqualTo(RedriveMethod.NONE);
      assertThat(report.items()).isEmpty();
    }
  }

  @Nested
  @DisplayName("redriving some ids")
  class RedriveSome {

    @Test
    @DisplayName("sends back the messages named by task or message id, one by one")
    void byTaskAndMessageId() {
      UploadTask byTask = exhausted("/srv/a");
      UploadTask byMessage = exhausted("/srv/b");
      UploadTask untouched = exhausted("/srv/c");
      String messageId = dlq.messageIds().get(1);

      RedriveReport report =
          service.redrive(
              RedriveRequest.only(List.of(byTask.id().value(), messageId), OptionalInt.empty()),
              OPS);

      assertThat(report.method()).isEqualTo(RedriveMethod.RECEIVE_SEND_DELETE);
      assertThat(report.count(RedriveOutcome.RETRIED)).isEqualTo(2);
      assertThat(published).containsExactly(byTask.id(), byMessage.id());
      assertThat(task(untouched.id()).status()).isEqualTo(TaskStatus.FAILED);
      assertThat(dlq.bodies()).containsExactly(TaskMessage.bodyFor(untouched.id()));
      assertThat(dlq.held()).isZero();
      assertThat(dlq.movedBack()).as("no move for specific ids").isEmpty();
    }

    @Test
    @DisplayName("reports the ids that match no message")
    void unknownIds() {
      exhausted("/srv/a");
      TaskId absentTask = TaskId.newId();

      RedriveReport report =
          service.redrive(
              RedriveRequest.only(
                  List.of(absentTask.value(), "no-such-message"), OptionalInt.empty()),
              OPS);

      assertThat(report.items())
          .extracting(RedriveItem::outcome)
          .containsExactly(RedriveOutcome.NOT_FOUND, RedriveOutcome.NOT_FOUND);
      assertThat(report.items().get(0).taskId()).contains(absentTask);
      assertThat(report.items().get(1).messageId()).contains("no-such-message");
      assertThat(report.method()).isEqualTo(RedriveMethod.NONE);
      assertThat(dlq.bodies()).hasSize(1);
    }

    @Test
    @DisplayName("the request must name all or some valid ids, at a rate of 1 to 500")
    void requestRules() {
      assertThatThrownBy(() -> new RedriveRequest(true, List.of("x"), OptionalInt.empty()))
          .isInstanceOf(InvalidOperatorRequestException.class);
      assertThatThrownBy(() -> RedriveRequest.only(List.of(), OptionalInt.empty()))
          .isInstanceOf(InvalidOperatorRequestException.class)
          .satisfies(
              e -> assertThat(((InvalidOperatorRequestException) e).field()).isEqualTo("all"));
      assertThatThrownBy(() -> RedriveRequest.only(List.of("a b"), OptionalInt.empty()))
          .hasMessageContaining("Not a task id or a message id");
      String id = TaskId.newId().value();
      assertThatThrownBy(
              () -> RedriveRequest.only(List.of(id, id.toLowerCase()), OptionalInt.empty()))
          .hasMessageContaining("twice");
      assertThatThrownBy(() -> RedriveRequest.everything(OptionalInt.of(0)))
          .satisfies(
              e -> assertThat(((InvalidOperatorRequestException) e).field()).isEqualTo("rate"));
      assertThatThrownBy(() -> RedriveRequest.everything(OptionalInt.of(501)))
          .isInstanceOf(InvalidOperatorRequestException.class);
    }
  }

  @Nested
  @DisplayName("a redrive that dies half-way loses nothing")
  class CrashSafety {

    @Test
    @DisplayName(
        "reset but not moved: the task is PENDING, for the reconciler; a redrive again moves it")
    void resetButNotMoved() {
      UploadTask failed = exhausted("/srv/a");
      dlq.failMovesWith(new IllegalStateException("the process died here"));

      assertThatThrownBy(() -> service.redrive(RedriveRequest.everything(OptionalInt.empty()), OPS))
          .hasMessageContaining("died");

      assertThat(task(failed.id()).status()).isEqualTo(TaskStatus.PENDING);
      assertThat(tasks.findStale(now().plusSeconds(1), now(), 10))
          .as("what the reconciler re-publishes")
          .extracting(UploadTask::id)
          .containsExactly(failed.id());
      assertThat(dlq.bodies()).as("the message is still in the DLQ").hasSize(1);
      assertThat(dlq.held()).isZero();

      dlq.failMovesWith(null);
      RedriveReport again = service.redrive(RedriveRequest.everything(OptionalInt.empty()), OPS);
      assertThat(again.count(RedriveOutcome.REQUEUED)).isEqualTo(1);
      assertThat(dlq.movedBack()).containsExactly(TaskMessage.bodyFor(failed.id()));
    }

    @Test
    @DisplayName(
        "a move that does not start reaches the caller, who logs it: the service does not log it"
            + " too")
    void aMoveThatDoesNotStartIsLoggedOnlyWhereItIsHandled() {
      exhausted("/srv/a");
      var failure = new IllegalStateException("the queue refused the move");
      dlq.failMovesWith(failure);
      var logged = new ListAppender<ILoggingEvent>();
      var logger = (Logger) LoggerFactory.getLogger("dev.uplink.core.operations");
      logger.addAppender(logged);
      logged.start();
      try {
        assertThatThrownBy(
                () -> service.redrive(RedriveRequest.everything(OptionalInt.empty()), OPS))
            .isSameAs(failure);
      } finally {
        logger.detachAppender(logged);
      }

      assertThat(logged.list)
          .as("no log line carries the error the caller is handed")
          .noneMatch(event -> event.getThrowableProxy() != null);
    }

    @Test
    @DisplayName("reset but not sent: the message stays and the task is PENDING for the reconciler")
    void resetButNotSent() {
      dlq.moveSupported(false);
      UploadTask failed = exhausted("/srv/a");
      queue.failure = new IllegalStateException("queue down");

      RedriveReport report = service.redrive(RedriveRequest.everything(OptionalInt.empty()), OPS);

      assertThat(report.items())
          .singleElement()
          .satisfies(
              item -> {
                assertThat(item.outcome()).isEqualTo(RedriveOutcome.ERROR);
                assertThat(item.detail()).contains("reconciler");
              });
      assertThat(task(failed.id()).status()).isEqualTo(TaskStatus.PENDING);
      assertThat(dlq.bodies()).hasSize(1);
      assertThat(dlq.held()).isZero();
    }

    @Test
    @DisplayName("sent but not deleted: the copy left behind is deleted as stale once DONE")
    void sentButNotDeleted() {
      dlq.moveSupported(false);
      UploadTask failed = exhausted("/srv/a");
      dlq.refuseDeletes(true);

      RedriveReport report = service.redrive(RedriveRequest.everything(OptionalInt.empty()), OPS);

      assertThat(report.count(RedriveOutcome.RETRIED)).isEqualTo(1);
      assertThat(published).containsExactly(failed.id());
      assertThat(dlq.bodies()).as("the copy left behind").hasSize(1);

      tasks.claim(failed.id(), now(), Duration.ofMinutes(1));
      tasks.finish(failed.id(), 3, TaskStatus.DONE, Optional.empty(), now());
      dlq.refuseDeletes(false);
      RedriveReport again = service.redrive(RedriveRequest.everything(OptionalInt.empty()), OPS);

      assertThat(again.count(RedriveOutcome.STALE_DELETED)).isEqualTo(1);
      assertThat(dlq.bodies()).isEmpty();
      assertThat(published).as("nothing sent twice").hasSize(1);
    }
  }

  @Nested
  @DisplayName("purging")
  class Purging {

    @Test
    @DisplayName("all: deletes every message and leaves the tasks as they are")
    void all() {
      UploadTask failed = exhausted("/srv/a");
      dlq.add("poison");

      PurgeReport report = service.purge(Optional.empty(), OPS);

      assertThat(report.count(PurgeReport.Outcome.DELETED)).isEqualTo(2);
      assertThat(dlq.bodies()).isEmpty();
      assertThat(task(failed.id()).status()).isEqualTo(TaskStatus.FAILED);
    }

    @Test
    @DisplayName("older than a duration: deletes only messages sent before it")
    void olderThan() {
      String old = dlq.add("old", now().minus(Duration.ofHours(2)));
      String young = dlq.add("young", now().minus(Duration.ofMinutes(10)));

      PurgeReport report = service.purge(Optional.of(Duration.ofHours(1)), OPS);

      assertThat(report.items())
          .extracting(PurgeReport.Item::messageId, PurgeReport.Item::outcome)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(old, PurgeReport.Outcome.DELETED),
              org.assertj.core.groups.Tuple.tuple(young, PurgeReport.Outcome.KEPT));
      assertThat(dlq.bodies()).containsExactly("young");
      assertThat(dlq.held()).isZero();
      assertThat(report.toJson()).containsEntry("olderThan", "PT1H").containsEntry("deleted", 1L);
    }
  }

  @Nested
  @DisplayName("retrying a task")
  class Retrying {

    @Test
    @DisplayName("a FAILED task becomes PENDING, keeps its attempts and timeline, and is published")
    void failedIsRetried() {
      UploadTask failed = exhausted("/srv/a");

      RetryResult result = service.retry(failed.id(), OPS);

      assertThat(result.queued()).isTrue();
      assertThat(result.task().status()).isEqualTo(TaskStatus.PENDING);
      assertThat(result.task().attempts()).isEqualTo(2);
      assertThat(result.task().timeline()).hasSize(failed.timeline().size() + 1);
      assertThat(published).containsExactly(failed.id());
    }

    @Test
    @DisplayName("any other status is refused and nothing changes")
    void othersAreRefused() {
      for (TaskStatus status :
          List.of(
              TaskStatus.PENDING, TaskStatus.PROCESSING, TaskStatus.DONE, TaskStatus.CANCELLED)) {
        UploadTask task = inStatus(status);
        assertThatThrownBy(() -> service.retry(task.id(), OPS))
            .isInstanceOf(RetryRefusedException.class)
            .hasMessageContaining("is " + status + ", not FAILED");
        assertThat(task(task.id()).status()).isEqualTo(status);
      }
      assertThatThrownBy(() -> service.retry(TaskId.newId(), OPS))
          .isInstanceOf(TaskNotFoundException.class);
      assertThat(published).isEmpty();
    }

    @Test
    @DisplayName("when publishing fails the task is PENDING anyway, for the reconciler")
    void publishFails() {
      UploadTask failed = exhausted("/srv/a");
      queue.failure = new IllegalStateException("queue down");

      RetryResult result = service.retry(failed.id(), OPS);

      assertThat(result.queued()).isFalse();
      assertThat(task(failed.id()).status()).isEqualTo(TaskStatus.PENDING);
      assertThat(result.toJson()).containsEntry("queued", false).containsKey("task");
    }
  }
}
