package dev.uplink.cli;

import static dev.uplink.core.testing.TaskBuilder.aTask;
import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.Transition;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.operations.DeadLetterDetail;
import dev.uplink.core.operations.DeadLetterEntry;
import dev.uplink.core.operations.DeadLetterListing;
import dev.uplink.core.operations.MoveTask;
import dev.uplink.core.operations.PurgeReport;
import dev.uplink.core.operations.QueueDepth;
import dev.uplink.core.operations.QueueDepths;
import dev.uplink.core.operations.RedriveItem;
import dev.uplink.core.operations.RedriveMethod;
import dev.uplink.core.operations.RedriveOutcome;
import dev.uplink.core.operations.RedriveReport;
import dev.uplink.core.operations.RetryResult;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("The operators' results as text")
class DeadLetterFormatTest {

  private static final TaskId ID = new TaskId("01KAZ3V5QG7T2N4R8X6Y9B1C0D");
  private static final Instant CREATED = Instant.parse("2026-11-22T06:30:00.123Z");
  private static final Instant FIRST = Instant.parse("2026-11-22T06:30:01.456Z");
  private static final Instant LAST = Instant.parse("2026-11-22T06:30:03.789Z");
  private static final TaskError EXHAUSTED =
      new TaskError("RETRIES_EXHAUSTED", "INCUS_UNAVAILABLE: connection refused\nto 127.0.0.1");
  private static final QueueDepths DEPTHS =
      new QueueDepths(
          new QueueDepth("uplink-tasks", 0, 1, 0), new QueueDepth("uplink-tasks-dlq", 2, 0, 0));

  private static UploadTask failedTask() {
    return aTask()
        .withId(ID)
        .ownedBy("dev")
        .to(new Destination("web-1", "/srv/a.bin", 0640, 1000, 0))
        .size(2048)
        .sha256("ab".repeat(32))
        .in(TaskStatus.FAILED)
        .attempts(2)
        .failedWith(EXHAUSTED)
        .createdAt(CREATED)
        .updatedAt(LAST)
        .timeline(
            List.of(
                Transition.created(TaskStatus.PENDING, CREATED),
                new Transition(
                    FIRST,
                    Optional.of(TaskStatus.PROCESSING),
                    TaskStatus.PENDING,
                    1,
                    "INCUS_UNAVAILABLE: connection refused"),
                new Transition(
                    LAST,
                    Optional.of(TaskStatus.PROCESSING),
                    TaskStatus.FAILED,
                    2,
                    EXHAUSTED.toString())))
        .build();
  }

  private static DeadLetterEntry taskEntry() {
    return new DeadLetterEntry(
        "6f1c2a3b-0000-4000-8000-000000000001",
        DeadLetterEntry.Kind.TASK,
        Optional.of(ID),
        Optional.of("dev"),
        Optional.of("web-1"),
        Optional.of("/srv/a.bin"),
        Optional.of(TaskStatus.FAILED),
        2,
        Optional.of(EXHAUSTED),
        Optional.of(FIRST),
        Optional.of(LAST),
        3,
        CREATED,
        "{\"task_id\":\"" + ID + "\"}");
  }

  private static DeadLetterEntry poison() {
    return new DeadLetterEntry(
        "6f1c2a3b-0000-4000-8000-000000000002",
        DeadLetterEntry.Kind.NOT_A_TASK,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        0,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        5,
        CREATED,
        "not json");
  }

  @Nested
  @DisplayName("dlq list")
  class Listing {

    @Test
    @DisplayName("shows both queues' depths, then one row per message under a header")
    void table() {
      var listing =
          new DeadLetterListing(DEPTHS, List.of(taskEntry(), poison()), false, Optional.empty());

      List<String> lines = DeadLetterFormat.listing(listing);

      assertThat(lines)
          .startsWith(
              "work queue uplink-tasks: 0 visible, 1 in flight, 0 delayed",
              "dead-letter queue uplink-tasks-dlq: 2 visible, 0 in flight, 0 delayed",
              "");
      assertThat(lines.get(3))
          .matches(
              "TASK +INSTANCE +PATH +ATTEMPTS +RECEIVES +FIRST FAILURE +LAST FAILURE +LAST ERROR");
      assertThat(lines.get(4).split(" {2,}"))
          .as("the task's row, its error on one line, times to the second")
          .containsExactly(
              ID.value(),
              "web-1",
              "/srv/a.bin",
              "2",
              "3",
              "2026-11-22T06:30:01Z",
              "2026-11-22T06:30:03Z",
              "RETRIES_EXHAUSTED: INCUS_UNAVAILABLE: connection refused to 127.0.0.1");
      assertThat(lines.get(5).split(" {2,}"))
          .as("a message that is no task's")
          .containsExactly("not a task message", "-", "-", "0", "5", "-", "-", "-");
      assertThat(lines.get(4).indexOf("web-1"))
          .as("columns aligned")
          .isEqualTo(lines.get(3).indexOf("INSTANCE"));
    }

    @Test
    @DisplayName("says so when the queue is empty, and shows the last redrive")
    void empty() {
      var move =
          new MoveTask(
              "handle-1",
              "COMPLETED",
              3,
              OptionalLong.of(3),
              OptionalInt.empty(),
              Optional.empty(),
              Optional.empty());
      var listing = new DeadLetterListing(DEPTHS, List.of(), false, Optional.of(move));

      assertThat(DeadLetterFormat.listing(listing))
          .contains("last redrive: move handle-1 COMPLETED, 3 moved")
          .endsWith("The dead-letter queue is empty.");
    }

    @Test
    @DisplayName("says when more messages are waiting than were listed")
    void truncated() {
      var listing = new DeadLetterListing(DEPTHS, List.of(taskEntry()), true, Optional.empty());

      assertThat(DeadLetterFormat.listing(listing).get(5)).startsWith("(the oldest 1 of more");
    }
  }

  @Test
  @DisplayName("dlq show gives the task, its messages and its timeline")
  void detail() {
    var detail = new DeadLetterDetail(ID.value(), Optional.of(failedTask()), List.of(taskEntry()));

    List<String> lines = DeadLetterFormat.detail(detail);

    assertThat(lines)
        .containsSubsequence(
            "task:        " + ID,
            "owner:       dev",
            "status:      FAILED",
            "destination: web-1:/srv/a.bin (mode 0640, uid 1000, gid 0)",
            "size:        2.0 KiB (2048 bytes)",
            "attempts:    2",
            "last error:  RETRIES_EXHAUSTED: INCUS_UNAVAILABLE: connection refused to 127.0.0.1",
            "messages in the dead-letter queue:",
            "timeline:");
    assertThat(lines)
        .anySatisfy(
            line ->
                assertThat(line.strip().split(" {2,}"))
                    .startsWith(
                        "6f1c2a3b-0000-4000-8000-000000000001", "3", "2026-11-22T06:30:00Z"))
        .anySatisfy(
            line ->
                assertThat(line.strip().split(" {2,}"))
                    .containsExactly(
                        "2026-11-22T06:30:03Z",
                        "PROCESSING -> FAILED",
                        "attempt 2",
                        "RETRIES_EXHAUSTED: INCUS_UNAVAILABLE: connection refused to 127.0.0.1"));
  }

  @Test
  @DisplayName("dlq show of a message that names no task says so")
  void detailWithoutTask() {
    var detail = new DeadLetterDetail("m-2", Optional.empty(), List.of(poison()));

    assertThat(DeadLetterFormat.detail(detail))
        .startsWith("task:        none (the message names no task, or the task has expired)");
  }

  @Nested
  @DisplayName("dlq redrive")
  class Redrive {

    @Test
    @DisplayName("shows each message's outcome, the counts and the method")
    void report() {
      var report =
          new RedriveReport(
              RedriveMethod.RECEIVE_SEND_DELETE,
              "specific messages are sent back one by one",
              Optional.empty(),
              List.of(
                  new RedriveItem(
                      Optional.of("m-1"),
                      Optional.of(ID),
                      RedriveOutcome.RETRIED,
                      Optional.of(TaskStatus.PENDING),
                      "the task was FAILED, now PENDING; sent back to the work queue"),
                  new RedriveItem(
                      Optional.empty(),
                      Optional.of(new TaskId("01KAZ3V5QG7T2N4R8X6Y9B1C0E")),
                      RedriveOutcome.NOT_FOUND,
                      Optional.empty(),
                      "no message of this task is in the dead-letter queue")));

      List<String> lines = DeadLetterFormat.redrive(report);

      assertThat(lines.get(0)).matches("TASK +MESSAGE +OUTCOME +STATUS +DETAIL");
      assertThat(lines.get(1).split(" {2,}"))
          .containsExactly(
              ID.value(),
              "m-1",
              "RETRIED",
              "PENDING",
              "the task was FAILED, now PENDING; sent back to the work queue");
      assertThat(lines.get(2).split(" {2,}"))
          .containsExactly(
              "01KAZ3V5QG7T2N4R8X6Y9B1C0E",
              "-",
              "NOT_FOUND",
              "-",
              "no message of this task is in the dead-letter queue");
      assertThat(lines)
          .contains(
              "Redrive: 1 RETRIED, 1 NOT_FOUND.",
              "Method: RECEIVE_SEND_DELETE (specific messages are sent back one by one).",
              "Follow the tasks with: uplink status ID --wait");
    }

    @Test
    @DisplayName("says when there was nothing to send back")
    void nothing() {
      var report = new RedriveReport(RedriveMethod.NONE, "nothing", Optional.empty(), List.of());

      assertThat(DeadLetterFormat.redrive(report))
          .containsExactly("Nothing to redrive: the dead-letter queue is empty.");
    }
  }

  @Test
  @DisplayName("dlq purge lists each message's outcome and sums them up")
  void purge() {
    var report =
        new PurgeReport(
            Optional.empty(),
            List.of(
                new PurgeReport.Item("m-1", Optional.of(ID), CREATED, PurgeReport.Outcome.DELETED),
                new PurgeReport.Item("m-2", Optional.empty(), LAST, PurgeReport.Outcome.KEPT)));

    List<String> lines = DeadLetterFormat.purge(report);

    assertThat(lines.get(0)).matches("MESSAGE +TASK +SENT +OUTCOME");
    assertThat(lines.get(1).split(" {2,}"))
        .containsExactly("m-1", ID.value(), "2026-11-22T06:30:00Z", "DELETED");
    assertThat(lines.get(2).split(" {2,}"))
        .containsExactly("m-2", "-", "2026-11-22T06:30:03Z", "KEPT");
    assertThat(lines).endsWith("Purged: 1 deleted, 1 kept, 0 not deleted.");
  }

  @Test
  @DisplayName("retry prints one line per task, saying whether it was queued")
  void retried() {
    UploadTask failed = failedTask();
    UploadTask pending =
        failed.toBuilder()
            .status(TaskStatus.PENDING)
            .leaseUntil(Optional.empty())
            .updatedAt(LAST)
            .directUpload(Optional.empty())
            .bytesPushed(0)
            .idempotencyKey(Optional.empty())
            .seal(Optional.empty())
            .build();

    assertThat(DeadLetterFormat.retried(new RetryResult(pending, true)))
        .isEqualTo(ID + "  PENDING  web-1:/srv/a.bin  queued again (attempts so far: 2)");
    assertThat(DeadLetterFormat.retried(new RetryResult(pending, false)))
        .endsWith(
            "not queued (the queue failed): the reconciler publishes it after"
                + " UPLINK_RECONCILE_AFTER");
  }

  @Test
  @DisplayName("a task on another remote and project is named as grants name it")
  void retriedOnARemoteAndProject() {
    UploadTask failed = failedTask();
    UploadTask elsewhere =
        failed.toBuilder()
            .destination(failed.destination().on("lab", "team-a"))
            .status(TaskStatus.PENDING)
            .build();

    assertThat(DeadLetterFormat.retried(new RetryResult(elsewhere, true)))
        .isEqualTo(
            ID + "  PENDING  lab:team-a/web-1:/srv/a.bin  queued again (attempts so far: 2)");
  }
}
