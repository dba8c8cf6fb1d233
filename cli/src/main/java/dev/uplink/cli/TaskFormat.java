package dev.uplink.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Tasks as text for people: one summary line, the full status, a table. */
final class TaskFormat {

  private static final String NONE = "-";

  private TaskFormat() {}

  /** {@code 01K… DONE 20.0 MiB demo:/srv/uploads/demo.bin}: what an upload or cancel prints. */
  static String summary(Task task) {
    return String.join(
        "  ", task.id(), task.status(), Bytes.format(task.size()), task.destination());
  }

  /** Everything {@code uplink status} shows, one field a line, and the timeline if there is one. */
  static String status(Task task) {
    var lines = new ArrayList<String>();
    field(lines, "id", task.id());
    field(lines, "status", task.status());
    field(lines, "destination", task.destination() + owner(task));
    field(lines, "project", task.project());
    field(lines, "size", Bytes.format(task.size()) + " (" + task.size() + " bytes)");
    field(lines, "pushed", pushed(task));
    field(lines, "attempts", Integer.toString(task.attempts()));
    field(lines, "last error", task.lastError().map(Problem::oneLine).orElse(NONE));
    field(lines, "sha256", task.sha256().orElse(NONE));
    field(lines, "created", task.createdAt().orElse(NONE));
    field(lines, "updated", task.updatedAt().orElse(NONE));
    if (!task.timeline().isEmpty()) {
      lines.add("timeline:");
      lines.addAll(timeline(task.timeline()));
    }
    return String.join(System.lineSeparator(), lines);
  }

  /** The timeline as aligned rows: {@code at from -> to attempt N reason}. */
  static List<String> timeline(List<Task.TimelineEntry> entries) {
    var rows = new ArrayList<List<String>>();
    for (Task.TimelineEntry entry : entries) {
      rows.add(
          List.of(
              entry.at(),
              entry.from().orElse("(new)") + " -> " + entry.to(),
              "attempt " + entry.attempt(),
              entry.reason().map(Problem::oneLine).orElse("")));
    }
    return TextTable.of(rows, "  ");
  }

  /** The tasks as a table with a header row. */
  static List<String> table(List<Task> tasks) {
    var rows = new ArrayList<List<String>>();
    rows.add(List.of("ID", "STATUS", "SIZE", "PUSHED", "UPDATED", "DESTINATION"));
    for (Task task : tasks) {
      rows.add(
          List.of(
              task.id(),
              task.status(),
              Bytes.format(task.size()),
              percent(task),
              task.updatedAt().orElse(NONE),
              task.destination()));
    }
    return TextTable.of(rows, "");
  }

  private static String pushed(Task task) {
    return Bytes.format(task.bytesPushed()) + " (" + percent(task) + ")";
  }

  private static String percent(Task task) {
    if (task.size() <= 0) {
      return "DONE".equals(task.status()) ? "100%" : "0%";
    }
    return Math.min(100, task.bytesPushed() * 100 / task.size()) + "%";
  }

  private static String owner(Task task) {
    var parts = new ArrayList<String>();
    task.mode().ifPresent(m -> parts.add("mode " + m));
    task.uid().ifPresent(u -> parts.add("uid " + u));
    task.gid().ifPresent(g -> parts.add("gid " + g));
    return parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")";
  }

  private static void field(List<String> lines, String name, String value) {
    lines.add(String.format("%-12s %s", name + ":", value));
  }

  /** The error line of a task that finished without being delivered, if it did. */
  static Optional<String> failure(Task task) {
    return switch (task.status()) {
      case "FAILED" ->
          Optional.of(
              "task "
                  + task.id()
                  + " FAILED"
                  + task.lastError().map(e -> ": " + Problem.oneLine(e)).orElse(""));
      case "CANCELLED" -> Optional.of("task " + task.id() + " was CANCELLED");
      default -> Optional.empty();
    };
  }
}
