package dev.uplink.cli;

import java.time.Duration;
import java.util.Locale;

/**
 * One line of progress: {@code upload [##### ] 52% 12.3 MiB/s ETA 4s}. Pure: the same numbers
 * always render the same text.
 */
final class ProgressBar {

  /** Characters between the brackets. */
  static final int WIDTH = 30;

  /** Below this much elapsed time a rate means nothing yet. */
  private static final Duration MIN_ELAPSED_FOR_RATE = Duration.ofMillis(200);

  private ProgressBar() {}

  /**
   * The line for {@code done} of {@code total} bytes after {@code elapsed}; the rate is the average
   * since the start.
   *
   * @param label what is progressing, e.g. {@code upload}; blank for none
   */
  static String render(String label, long done, long total, Duration elapsed) {
    long clampedDone = Math.max(0, total > 0 ? Math.min(done, total) : done);
    double fraction = total <= 0 ? 1.0 : (double) clampedDone / total;
    int filled = (int) Math.floor(fraction * WIDTH);
    int percent = (int) Math.floor(fraction * 100);
    var line = new StringBuilder();
    if (!label.isBlank()) {
      line.append(label).append(' ');
    }
    line.append('[')
        .append("#".repeat(filled))
        .append(" ".repeat(WIDTH - filled))
        .append("] ")
        .append(String.format(Locale.ROOT, "%3d%%", percent));
    boolean complete = total <= 0 || clampedDone >= total;
    boolean rateKnown = elapsed.compareTo(MIN_ELAPSED_FOR_RATE) >= 0 && clampedDone > 0;
    double seconds = elapsed.toNanos() / 1e9;
    double rate = rateKnown ? clampedDone / seconds : 0;
    if (complete) {
      if (rateKnown) {
        line.append(' ').append(Bytes.format((long) rate)).append("/s");
      }
      return line.append(" in ").append(duration(Math.round(seconds))).toString();
    }
    if (!rateKnown) {
      return line.append(" --/s ETA --").toString();
    }
    long etaSeconds = (long) Math.ceil((total - clampedDone) / rate);
    return line.append(' ')
        .append(Bytes.format((long) rate))
        .append("/s ETA ")
        .append(duration(etaSeconds))
        .toString();
  }

  /** {@code 4s}, {@code 1m05s}, {@code 2h03m}. */
  static String duration(long seconds) {
    if (seconds < 60) {
      return seconds + "s";
    }
    if (seconds < 3600) {
      return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
    }
    return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, (seconds % 3600) / 60);
  }
}
