package dev.uplink.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.List;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --json}, and printing a command's result either way: JSON for machines on stdout, text for
 * people otherwise; failures as one line on stderr.
 */
public final class OutputOptions {

  @Spec(Spec.Target.MIXEE)
  private CommandSpec command;

  @Option(
      names = "--json",
      description = "Print the result as JSON (the API's representation) instead of text.")
  private boolean json;

  public boolean json() {
    return json;
  }

  public PrintWriter out() {
    return command.commandLine().getOut();
  }

  public PrintWriter err() {
    return command.commandLine().getErr();
  }

  /** Prints a task: its JSON with {@code --json}, else {@code human} of it. */
  public void task(JsonNode task, Function<Task, String> human) {
    out().println(json ? Json.pretty(task) : human.apply(Task.of(task)));
    out().flush();
  }

  /**
   * Prints a task that was waited for and tells how it ended: 0 if DONE, else 1 with a line on
   * stderr saying why it was not delivered.
   */
  public int finishedTask(JsonNode task, Function<Task, String> human) {
    task(task, human);
    var failure = TaskFormat.failure(Task.of(task));
    failure.ifPresent(this::error);
    return failure.isPresent() ? CliException.EXIT_CODE : 0;
  }

  /** Prints any JSON value (with {@code --json}). */
  public void json(Object value) {
    out().println(Json.pretty(value));
    out().flush();
  }

  /** Prints lines of text. */
  public void lines(List<String> lines) {
    lines.forEach(out()::println);
    out().flush();
  }

  /** One line on stderr, {@code uplink: message}. */
  public void error(String message) {
    err().println(UplinkCommand.NAME + ": " + Problem.oneLine(message));
    err().flush();
  }
}
