package dev.uplink.bench;

import java.util.ArrayList;
import java.util.List;

/** The results of one benchmark: rows of the table and the notes that say how they were made. */
final class Report {

  /**
   * One line of the table.
   *
   * @param measure what is measured
   * @param uplink Uplink's figure
   * @param limit the baseline's figure (the limit of the part Uplink stands on)
   * @param ratio Uplink against the limit, or a dash
   * @param goal the goal, or a dash
   * @param met yes, no, or a dash
   */
  record Row(String measure, String uplink, String limit, String ratio, String goal, String met) {}

  final String part;
  final List<Row> rows = new ArrayList<>();
  final List<String> notes = new ArrayList<>();

  Report(String part) {
    this.part = part;
  }

  Report row(String measure, String uplink, String limit, String ratio, String goal, String met) {
    rows.add(new Row(measure, uplink, limit, ratio, goal, met));
    return this;
  }

  Report note(String text) {
    notes.add(text);
    return this;
  }

  static String met(boolean ok) {
    return ok ? "yes" : "**no**";
  }
}
