package dev.uplink.cli;

import java.io.Console;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Objects;

/**
 * What the CLI takes from the process it runs in: its environment variables (interpreted only by
 * {@link CliSettings}) and whether stderr is a terminal (so a progress bar may be drawn there).
 *
 * @param variables the environment variables
 * @param stderrIsTerminal whether stderr is a terminal
 */
public record Environment(Map<String, String> variables, boolean stderrIsTerminal) {

  /**
   * Set to {@code true} or {@code false} by the {@code ./uplink} launcher, which can test stderr
   * itself ({@code [ -t 2 ]}); Java cannot.
   */
  static final String STDERR_TERMINAL_PROPERTY = "uplink.stderr.terminal";

  public Environment {
    variables = Map.copyOf(Objects.requireNonNull(variables, "variables"));
  }

  /** This process's environment. */
  public static Environment ofThisProcess() {
    return new Environment(System.getenv(), detectStderrTerminal());
  }

  private static boolean detectStderrTerminal() {
    String told = System.getProperty(STDERR_TERMINAL_PROPERTY);
    if (told != null) {
      return Boolean.parseBoolean(told);
    }
    // Without the launcher's word, the best Java can say: stdin and stdout are a terminal.
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      // JDK 22+ returns a Console even when redirected; isTerminal() tells (absent on 21).
      Method isTerminal = Console.class.getMethod("isTerminal");
      return (Boolean) isTerminal.invoke(console);
    } catch (ReflectiveOperationException e) {
      return true; // JDK 21: a Console exists only on a terminal
    }
  }
}
