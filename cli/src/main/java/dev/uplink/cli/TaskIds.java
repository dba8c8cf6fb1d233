package dev.uplink.cli;

import java.util.Locale;
import java.util.regex.Pattern;

/** Task ids as the API hands them out: ULIDs (26 characters of Crockford's base 32). */
final class TaskIds {

  private static final Pattern ULID = Pattern.compile("[0-7][0-9A-HJKMNP-TV-Z]{25}");

  private TaskIds() {}

  /**
   * The canonical (upper-case) form of {@code id}.
   *
   * @throws IllegalArgumentException if it is not a task id
   */
  static String canonical(String id) {
    String upper = id.strip().toUpperCase(Locale.ROOT);
    if (!ULID.matcher(upper).matches()) {
      throw new IllegalArgumentException(
          "'" + Problem.oneLine(id) + "' is not a task id (26 characters, e.g. 01KAZ3...)");
    }
    return upper;
  }
}
