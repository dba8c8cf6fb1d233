package dev.uplink.cli;

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
import dev.uplink.core.operations.RedriveItem;
import dev.uplink.core.operations.RedriveOutcome;
import dev.uplink.core.operations.RedriveReport;
import dev.uplink.core.operations.RetryResult;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/** The operators' results as text for people ({@code --json} prints their own JSON forms). */
final class DeadLetterFormat {

  private static final String NONE = "-";

  private DeadLetterFormat() {}

  /** {@code uplink dlq list}: both queues' depths, then one row per dead-lettered message. */
  static List<String> listing(DeadLetterListing listing) {
    var lines = new ArrayList<String>();
    lines.add(depth("work queue", listing.depths().workQueue()));
    lines.add(depth("dead-letter queue", listing.depths().deadLetterQueue()));
    listing.lastRedrive().ifPresent(move -> lines.add("last redrive: " + move(move)));
    lines.add("");
    if (listing.messages().isEmpty()) {
      lines.add("The dead-letter queue is empty.");
      return lines;
    }
    var rows = new ArrayList<List<String>>();
    rows.add(
        List.of(
            "TASK",
            "INSTANCE",
            "PATH",
            "ATTEMPTS",
            "RECEIVES",
            "FIRST FAILURE",
            "LAST FAILURE",
            "LAST ERROR"));
    for (DeadLetterEntry entry : listing.messages()) {
      rows.add(
          List.of(
              entry.taskLabel(),
              entry.instance().orElse(NONE),
              entry.path().orElse(NONE),
              Integer.toString(entry.attempts()),
              Integer.toString(entry.receiveCount()),
              entry.firstFailureAt().map(DeadLetterFormat::time).orElse(NONE),
              entry.lastFailureAt().map(DeadLetterFormat::time).orElse(NONE),
              entry.lastError().map(DeadLetterFormat::error).orElse(NONE)));
    }
    lines.addAll(TextTable.of(rows, ""));
    if (listing.truncated()) {
      lines.add(
          "(the oldest "
              + listing.messages().size()
              + " of more: raise --limit, or fix and redrive these first)");
    }
    return lines;
  }

  /** {@code uplink dlq show}: the task, its messages in the dead-letter queue, its timeline. */
  static List<String> detail(DeadLetterDetail detail) {
    var lines = new ArrayList<String>();
    if (detail.task().isPresent()) {
      UploadTask task = detail.task().get();
      field(lines, "task", task.id().value());
      field(lines, "owner", task.owner());
      field(lines, "status", task.status().name());
      field(
          lines,
          "destination",
          "%s (mode %s, uid %d, gid %d)"
              .formatted(
                  task.destination().qualifiedPath(),
                  task.destination().octalMode(),
                  task.destination().uid(),
                  task.destination().gid()));
      field(lines, "size", Bytes.format(task.size()) + " (" + task.size() + " bytes)");
      field(lines, "attempts", Integer.toString(task.attempts()));
      field(lines, "last error", task.lastError().map(DeadLetterFormat::error).orElse(NONE));
      field(lines, "created", time(task.createdAt()));
      field(lines, "updated", time(task.updatedAt()));
    } else {
      field(lines, "task", "none (the message names no task, or the task has expired)");
    }
    if (detail.messages().isEmpty()) {
      lines.add("messages:    none in the dead-letter queue");
    } else {
      lines.add("messages in the dead-letter queue:");
      var rows = new ArrayList<List<String>>();
      rows.add(List.of("MESSAGE", "RECEIVES", "SENT", "BODY"));
      for (DeadLetterEntry entry : detail.messages()) {
        rows.add(
            List.of(
                entry.messageId(),
                Integer.toString(entry.receiveCount()),
                time(entry.sentAt()),
                Problem.oneLine(entry.body())));
      }
      lines.addAll(TextTable.of(rows, "  "));
    }
    detail
        .task()
        .filter(task -> !task.timeline().isEmpty())
        .ifPresent(
            task -> {
              lines.add("timeline:");
              lines.addAll(timeline(task.timeline()));
            });
    return lines;
  }

  /** {@code uplink dlq redrive}: how the messages went back, one row each, and the counts. */
  static List<String> redrive(RedriveReport report) {
    var lines = new ArrayList<String>();
    if (report.items().isEmpty()) {
      lines.add("Nothing to redrive: the dead-letter queue is empty.");
      return lines;
    }
    var rows = new ArrayList<List<String>>();
    rows.add(List.of("TASK", "MESSAGE", "OUTCOME", "STATUS", "DETAIL"));
    for (RedriveItem item : report.items()) {
      rows.add(
          List.of(
              item.taskId().map(TaskId::value).orElse(NONE),
              item.messageId().orElse(NONE),
              item.outcome().name(),
              item.taskStatus().map(TaskStatus::name).orElse(NONE),
              Problem.oneLine(item.detail())));
    }
    lines.addAll(TextTable.of(rows, ""));
    lines.add("");
    var counts = new ArrayList<String>();
    report
        .counts()
        .forEach(
            (outcome, count) -> {
              if (count > 0) {
                counts.add(count + " " + outcome.name());
              }
            });
    lines.add("Redrive: " + String.join(", ", counts) + ".");
    lines.add(
        "Method: "
            + report.method()
            + " ("
            + report.methodReason()
            + ")"
            + report.moveTask().map(move -> "; move " + move.handle()).orElse("")
            + ".");
    if (report.count(RedriveOutcome.RETRIED) + report.count(RedriveOutcome.REQUEUED) > 0) {
      lines.add("Follow the tasks with: uplink status ID --wait");
    }
    return lines;
  }

  /** {@code uplink dlq purge}: what was deleted and what was kept. */
  static List<String> purge(PurgeReport report) {
    var lines = new ArrayList<String>();
    if (!report.items().isEmpty()) {
      var rows = new ArrayList<List<String>>();
      rows.add(List.of("MESSAGE", "TASK", "SENT", "OUTCOME"));
      for (PurgeReport.Item item : report.items()) {
        rows.add(
            List.of(
                item.messageId(),
                item.taskId().map(TaskId::value).orElse(NONE),
                time(item.sentAt()),
                item.outcome().name()));
      }
      lines.addAll(TextTable.of(rows, ""));
      lines.add("");
    }
    lines.add(
        "Purged: %d deleted, %d kept, %d not deleted."
            .formatted(
                report.count(PurgeReport.Outcome.DELETED),
                report.count(PurgeReport.Outcome.KEPT),
                report.count(PurgeReport.Outcome.NOT_DELETED)));
    return lines;
  }

  /** {@code uplink retry}: one line for a task sent through again. */
  static String retried(RetryResult result) {
    UploadTask task = result.task();
    return String.join(
        "  ",
        task.id().value(),
        task.status().name(),
        task.destination().qualifiedPath(),
        result.queued()
            ? "queued again (attempts so far: " + task.attempts() + ")"
            : "not queued (the queue failed): the reconciler publishes it after"
                + " UPLINK_RECONCILE_AFTER");
  }

  static List<String> timeline(List<Transition> timeline) {
    var rows = new ArrayList<List<String>>();
    for (Transition transition : timeline) {
      rows.add(
          List.of(
              time(transition.at()),
              transition.from().map(TaskStatus::name).orElse("(new)") + " -> " + transition.to(),
              "attempt " + transition.attempt(),
              Problem.oneLine(transition.reason())));
    }
    return TextTable.of(rows, "  ");
  }

  /** UTC to the second: {@code 2026-11-22T06:30:00Z}. */
  static String time(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static String error(TaskError error) {
    return Problem.oneLine(error.toString());
  }

  private static String depth(String name, QueueDepth depth) {
    return "%s %s: %d visible, %d in flight, %d delayed"
        .formatted(name, depth.queue(), depth.visible(), depth.inFlight(), depth.delayed());
  }

  private static String move(MoveTask move) {
    return "move %s %s, %d moved%s"
        .formatted(
            move.handle(),
            move.status(),
            move.moved(),
            move.failureReason().map(reason -> " (" + Problem.oneLine(reason) + ")").orElse(""));
  }

  private static void field(List<String> lines, String name, String value) {
    lines.add(String.format("%-12s %s", name + ":", value));
  }
}
