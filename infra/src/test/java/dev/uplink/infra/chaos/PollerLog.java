package dev.uplink.infra.chaos;

import dev.uplink.infra.testing.ChildJvm;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the poller processes wrote, read back from their output files: the one place that knows the
 * processor's log wording. If {@code PushWorker} or {@code SqsPoller} rewords a line, change the
 * constant here.
 */
final class PollerLog {

  /** A task id (ULID, Crockford base 32). */
  static final String TASK_ID = "[0-9A-HJKMNP-TV-Z]{26}";

  /** The poller is receiving (SqsPoller.start). */
  static final Pattern READY = Pattern.compile("Polling \\S+ with \\d+ workers");

  /**
   * A push that completed AND whose PROCESSING -> DONE write succeeded: PushWorker logs it only
   * after the fenced DONE transition went through.
   */
  static final Pattern DONE =
      Pattern.compile("Task (" + TASK_ID + "): pushed (?:and verified )?\\d+ bytes");

  /** Any line about a task. */
  static final Pattern MENTION = Pattern.compile("\\b(" + TASK_ID + ")\\b");

  private PollerLog() {}

  /** How many lines match {@code pattern} per task id (group 1), over all the processes' output. */
  static Map<String, Integer> countPerTask(Pattern pattern, Collection<ChildJvm> processes) {
    Map<String, Integer> counts = new HashMap<>();
    for (ChildJvm process : processes) {
      for (String line : process.outputLines()) {
        Matcher m = pattern.matcher(line);
        if (m.find()) {
          counts.merge(m.group(1), 1, Integer::sum);
        }
      }
    }
    return counts;
  }

  /**
   * Every line mentioning {@code taskId}, prefixed with the process's name, for failure messages.
   */
  static List<String> linesAbout(String taskId, Collection<ChildJvm> processes) {
    List<String> lines = new ArrayList<>();
    for (ChildJvm process : processes) {
      for (String line : process.outputLines()) {
        if (line.contains(taskId)) {
          lines.add(process.name() + ": " + line);
        }
      }
    }
    return lines;
  }

  /** Lines matching {@code pattern} in one process's output. */
  static List<String> matching(Pattern pattern, ChildJvm process) {
    return process.outputLines().stream().filter(l -> pattern.matcher(l).find()).toList();
  }

  /** Lines at WARN or ERROR (and exceptions) in one process's output, at most {@code max}. */
  static List<String> problems(ChildJvm process, int max) {
    return process.outputLines().stream()
        .filter(l -> l.contains(" ERROR ") || l.contains("Exception"))
        .limit(max)
        .toList();
  }
}
