package dev.uplink.cli;

import java.util.ArrayList;
import java.util.List;

/** Rows of text cells as aligned columns, for the commands' tables. */
final class TextTable {

  private TextTable() {}

  /** Rows with columns padded to their widest cell; the last column is not padded. */
  static List<String> of(List<List<String>> rows, String indent) {
    int columns = rows.stream().mapToInt(List::size).max().orElse(0);
    int[] widths = new int[columns];
    for (List<String> row : rows) {
      for (int c = 0; c < row.size(); c++) {
        widths[c] = Math.max(widths[c], row.get(c).length());
      }
    }
    var lines = new ArrayList<String>();
    for (List<String> row : rows) {
      var line = new StringBuilder(indent);
      for (int c = 0; c < row.size(); c++) {
        String cell = row.get(c);
        line.append(c == row.size() - 1 ? cell : String.format("%-" + widths[c] + "s  ", cell));
      }
      lines.add(line.toString().stripTrailing());
    }
    return lines;
  }
}
