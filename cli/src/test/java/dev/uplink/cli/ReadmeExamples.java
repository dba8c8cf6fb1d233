package dev.uplink.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code ```bash} blocks of chosen README sections, and the one bash script that runs them in
 * order, as a reader pasting them into one shell would. Two conventions of the README become checks:
 *
 * <ul>
 *   <li>a command whose comment starts with {@code exit N} ({@code ./uplink retry "$ID"  # exit 1
 *       here ...}) must exit with N;
 *   <li>a command followed by its answer as a problem ({@code # 400
 *       {"type":"https://uplink.dev/problems/invalid-destination",...}) must fail (curl runs with
 *       {@code fail-with-body}) and print that problem type.
 * </ul>
 *
 * Every other command must succeed: the script runs under {@code set -euo pipefail}.
 */
final class ReadmeExamples {

  private static final Pattern HEADING = Pattern.compile("^(#{2,6}) (.+)$");
  private static final Pattern EXPECTED_EXIT =
      Pattern.compile("^(?<command>[^#]*\\S)\\s+#\\s*exit (?<code>\\d+)\\b.*$");
  private static final Pattern PROBLEM_ANSWER =
      Pattern.compile("^#\\s*[45]\\d\\d \\{\"type\":\"(?<type>[^\"]+)\"");

  /**
   * What precedes a {@code ```bash} block that no test runs on its own, with the reason: {@code
   * <!-- not run on its own: needs an AWS account -->} on the line before the block.
   */
  static final Pattern NOT_RUN =
      Pattern.compile("^<!-- not run on its own: (?<reason>.*\\S.*) -->$");

  private ReadmeExamples() {}

  /**
   * A {@code ```bash} block anywhere in the README.
   *
   * @param headings the headings it is under, outermost first (without the {@code #}s)
   * @param line its fence's line number, from 1
   * @param code its lines
   * @param notRunBecause the reason its marker gives, when the line before it is one ({@link
   *     #NOT_RUN})
   */
  record Block(List<String> headings, int line, String code, Optional<String> notRunBecause) {

    /** Whether it is in one of {@code sections} or a subsection of one. */
    boolean isIn(List<String> sections) {
      return headings.stream().anyMatch(sections::contains);
    }

    @Override
    public String toString() {
      return "README line %d, under \"%s\" (%s)"
          .formatted(
              line,
              headings.isEmpty() ? "" : headings.get(headings.size() - 1),
              code.lines().findFirst().orElse(""));
    }
  }

  /** Every {@code ```bash} block of the README, in order. */
  static List<Block> blocks(String readme) {
    List<Block> blocks = new ArrayList<>();
    List<String> headings = new ArrayList<>();
    List<Integer> levels = new ArrayList<>();
    String[] lines = readme.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      Matcher heading = HEADING.matcher(lines[i]);
      if (heading.matches()) {
        int level = heading.group(1).length();
        while (!levels.isEmpty() && levels.get(levels.size() - 1) >= level) {
          levels.remove(levels.size() - 1);
          headings.remove(headings.size() - 1);
        }
        levels.add(level);
        headings.add(heading.group(2).strip());
      } else if (lines[i].startsWith("```")) {
        int start = i;
        StringBuilder code = new StringBuilder();
        for (i++; i < lines.length && !lines[i].startsWith("```"); i++) {
          code.append(lines[i]).append('\n');
        }
        if (lines[start].strip().equals("```bash")) {
          Optional<String> reason =
              start == 0
                  ? Optional.empty()
                  : Optional.of(NOT_RUN.matcher(lines[start - 1].strip()))
                      .filter(Matcher::matches)
                      .map(marker -> marker.group("reason").strip());
          blocks.add(new Block(List.copyOf(headings), start + 1, code.toString(), reason));
        }
      }
    }
    return blocks;
  }

  /**
   * One {@code ```bash} block.
   *
   * @param section the heading of the section it is in
   * @param number its number among the section's blocks, from 1
   * @param code its lines
   */
  record Example(String section, int number, String code) {

    /** The block's first line: what a failure names. */
    String firstLine() {
      return code.lines().findFirst().orElse("");
    }

    @Override
    public String toString() {
      return "README section \"%s\", example %d (%s)".formatted(section, number, firstLine());
    }
  }

  /**
   * The bash blocks of {@code sections} (their headings, without the {@code #}s), in README order.
   * A section runs to the next heading of its level or above, so its subsections are in it.
   *
   * @throws AssertionError if a section is missing or has no bash block: a renamed heading must not
   *     silently stop its examples from running
   */
  static List<Example> in(String readme, List<String> sections) {
    Map<String, List<Example>> found = new LinkedHashMap<>();
    String section = null;
    int level = 0;
    StringBuilder block = null;
    for (String line : readme.split("\n", -1)) {
      if (block != null) {
        if (line.startsWith("```")) {
          List<Example> examples = found.get(section);
          examples.add(new Example(section, examples.size() + 1, block.toString()));
          block = null;
        } else {
          block.append(line).append('\n');
        }
        continue;
      }
      Matcher heading = HEADING.matcher(line);
      if (heading.matches()) {
        int headingLevel = heading.group(1).length();
        if (sections.contains(heading.group(2).strip())) {
          section = heading.group(2).strip();
          level = headingLevel;
          found.put(section, new ArrayList<>());
        } else if (section != null && headingLevel <= level) {
          section = null;
        }
      } else if (section != null && line.strip().equals("```bash")) {
        block = new StringBuilder();
      }
    }
    List<Example> examples = new ArrayList<>();
    for (String wanted : sections) {
      List<Example> ofSection = found.get(wanted);
      if (ofSection == null || ofSection.isEmpty()) {
        throw new AssertionError("README has no section \"" + wanted + "\" with a ```bash block");
      }
      examples.addAll(ofSection);
    }
    return examples;
  }

  /**
   * The script that runs {@code examples} one after the other in one shell, each after writing its
   * index in {@code examples} (from 0) to {@code progress} (so that a failure or a timeout can name
   * it), each text in {@code replacements} replaced first.
   */
  static String script(List<Example> examples, Map<String, String> replacements, Path progress) {
    var script = new StringBuilder();
    script.append(
        """
        set -euo pipefail
        # What an example starts in the background ends with the shell.
        trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
        # A command the README says exits N: any other exit code fails the example.
        __exits() {
          local want=$1 got=0; shift
          "$@" || got=$?
          if [ "$got" -ne "$want" ]; then echo "expected exit $want, got $got: $*" >&2; return 1; fi
        }
        # A command the README shows answering a problem: it must fail and print that problem.
        __answers() {
          local type=$1 got=0 out; shift
          out=$("$@") || got=$?
          printf '%s\\n' "$out"
          if [ "$got" -eq 0 ] || [[ "$out" != *"\\"type\\":\\"$type\\""* ]]; then
            echo "expected a failure answering $type, got exit $got" >&2; return 1
          fi
        }
        """);
    for (int i = 0; i < examples.size(); i++) {
      Example example = examples.get(i);
      String code = example.code();
      for (var replacement : replacements.entrySet()) {
        code = code.replace(replacement.getKey(), replacement.getValue());
      }
      script
          .append("echo ")
          .append(i)
          .append(" > '")
          .append(progress)
          .append("'\n")
          .append("printf '\\n>>> %s\\n' '")
          .append(example.toString().replace("'", "'\\''"))
          .append("'\n")
          .append(withChecks(code));
    }
    return script.toString();
  }

  /** The example with its expected exits and problem answers turned into checks. */
  static String withChecks(String code) {
    List<String> lines = new ArrayList<>(code.lines().toList());
    for (int i = 0; i < lines.size(); i++) {
      Matcher exit = EXPECTED_EXIT.matcher(lines.get(i));
      if (exit.matches() && !continues(lines, i - 1)) {
        lines.set(i, "__exits " + exit.group("code") + " " + exit.group("command"));
      }
      Matcher problem = PROBLEM_ANSWER.matcher(lines.get(i));
      if (problem.find() && i > 0 && !lines.get(i - 1).startsWith("#")) {
        int start = i - 1;
        while (continues(lines, start - 1)) {
          start--;
        }
        lines.set(start, "__answers " + problem.group("type") + " " + lines.get(start));
      }
    }
    return String.join("\n", lines) + "\n";
  }

  private static boolean continues(List<String> lines, int index) {
    return index >= 0 && lines.get(index).endsWith("\\");
  }
}
