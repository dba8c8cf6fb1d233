package dev.uplink.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte counts as people read and write them: {@code 12.3 MiB}, {@code 64MiB}, {@code 100MB}. */
final class Bytes {

  private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  private static final Pattern SIZE =
      Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b?)", Pattern.CASE_INSENSITIVE);

  private Bytes() {}

  /** {@code 512 B}, {@code 1.5 KiB}, {@code 20.0 MiB}: binary units, one decimal. */
  static String format(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    double value = bytes;
    int unit = 0;
    while (value >= 1024 && unit < UNITS.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
  }

  /**
   * A size: a whole number of bytes with an optional unit. {@code K}, {@code KiB}, {@code M},
   * {@code MiB}, {@code G}, {@code GiB}, {@code T}, {@code TiB} are powers of 1024; {@code KB},
   * {@code MB}, {@code GB}, {@code TB} powers of 1000 (as {@code dd} reads them); case does not
   * matter.
   *
   * @throws IllegalArgumentException if {@code text} is not such a size or is too large
   */
  static long parse(String text) {
    Matcher m = SIZE.matcher(text.strip());
    if (!m.matches() || (m.group(2).isEmpty() && m.group(3).equalsIgnoreCase("i"))) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a size (e.g. 64MiB, 100MB, 1G, 1048576)");
    }
    String prefix = m.group(2).toLowerCase(Locale.ROOT);
    String suffix = m.group(3).toLowerCase(Locale.ROOT);
    if (prefix.isEmpty() && !suffix.isEmpty() && !suffix.equals("b")) {
      throw new IllegalArgumentException("'" + text + "' is not a size");
    }
    long base = suffix.equals("b") ? 1000 : 1024;
    int power = prefix.isEmpty() ? 0 : "kmgt".indexOf(prefix) + 1;
    try {
      long value = Long.parseLong(m.group(1));
      for (int i = 0; i < power; i++) {
        value = Math.multiplyExact(value, base);
      }
      return value;
    } catch (ArithmeticException | NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is too large");
    }
  }
}
