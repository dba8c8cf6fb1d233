package dev.uplink.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ages on the command line ({@code --older-than}): {@code 45s}, {@code 30m}, {@code 12h}, {@code
 * 7d}, or ISO-8601.
 */
final class Ages {

  private static final Pattern SHORT = Pattern.compile("(\\d{1,9})([smhd])");

  private Ages() {}

  /**
   * The duration {@code text} names.
   *
   * @throws IllegalArgumentException if it names none, or a negative one
   */
  static Duration parse(String text) {
    String value = text.strip().toLowerCase(Locale.ROOT);
    Matcher matcher = SHORT.matcher(value);
    Duration age;
    if (matcher.matches()) {
      long amount = Long.parseLong(matcher.group(1));
      age =
          switch (matcher.group(2)) {
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
          };
    } else {
      try {
        age = Duration.parse(value.toUpperCase(Locale.ROOT));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(
            "'"
                + Problem.oneLine(text)
                + "' is not an age: use 45s, 30m, 12h, 7d or ISO-8601 (PT12H)");
      }
    }
    if (age.isNegative()) {
      throw new IllegalArgumentException("'" + Problem.oneLine(text) + "' is negative");
    }
    return age;
  }
}
