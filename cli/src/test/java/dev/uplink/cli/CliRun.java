package dev.uplink.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;

/**
 * One run of the command line in this JVM: its exit code and what it printed.
 *
 * @param exitCode what {@code main} would exit with
 * @param stdout everything printed on stdout
 * @param stderr everything printed on stderr
 */
record CliRun(int exitCode, String stdout, String stderr) {

  /** Runs {@code args} with {@code variables} as the environment and stderr not a terminal. */
  static CliRun of(Map<String, String> variables, String... args) {
    return of(new Environment(variables, false), args);
  }

  static CliRun of(Environment environment, String... args) {
    var out = new StringWriter();
    var err = new StringWriter();
    int exitCode =
        UplinkCommand.execute(args, environment, new PrintWriter(out), new PrintWriter(err));
    return new CliRun(exitCode, out.toString(), err.toString());
  }

  /** The lines of stderr. */
  List<String> stderrLines() {
    return stderr.isEmpty() ? List.of() : List.of(stderr.split("\\R"));
  }

  @Override
  public String toString() {
    return "exit %d%n--- stdout ---%n%s--- stderr ---%n%s".formatted(exitCode, stdout, stderr);
  }
}
