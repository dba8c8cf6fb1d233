package dev.uplink.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code uplink}: the command line of the upload API, and {@code uplink local} to run the whole
 * stack. Exit codes: 0 ok, 1 failure, 2 usage error; every error is one line on stderr.
 *
 * <p>A new command is a class in this package ({@code @Command}, {@code Callable<Integer>}, with
 * {@code @Mixin ApiOptions} and {@code @Mixin OutputOptions} to reach the API and print) added to
 * {@code subcommands} below. The operators' commands ({@code retry}, {@code dlq}) use {@link
 * OperatorConnection} instead: they talk to SQS and DynamoDB directly, not to the API.
 */
@Command(
    name = UplinkCommand.NAME,
    mixinStandardHelpOptions = true,
    versionProvider = UplinkCommand.Version.class,
    description = {
      "Upload files into Incus instances through the Uplink API, and follow their tasks.",
      "Connection: --api URL or $UPLINK_API_URL (default http://127.0.0.1:8080), --api-key KEY or"
          + " $UPLINK_API_KEY.",
      "Operators' commands (retry, dlq) use SQS and DynamoDB directly with your AWS credentials.",
      "Services: api and processor run the upload API and the processor until SIGTERM; local runs"
          + " both with emulated AWS.",
    },
    commandListHeading = "%nCommands:%n",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:ok", "1:failure", "2:usage error"},
    subcommands = {
      UploadCommand.class,
      StatusCommand.class,
      ListCommand.class,
      CancelCommand.class,
      RetryCommand.class,
      DlqCommand.class,
      WebhooksCommand.class,
      LocalCommand.class,
      ApiCommand.class,
      ProcessorCommand.class,
      HelpCommand.class,
    })
public final class UplinkCommand implements Callable<Integer> {

  /** The command's name, which starts every error line ({@code uplink: ...}). */
  public static final String NAME = "uplink";

  /** The exit code of a usage error. */
  public static final int USAGE_ERROR = 2;

  private final Environment environment;

  @Spec private CommandSpec spec;

  UplinkCommand(Environment environment) {
    this.environment = environment;
  }

  public static void main(String[] args) {
    var out = new PrintWriter(System.out, true);
    var err = new PrintWriter(System.err, true);
    System.exit(execute(args, Environment.ofThisProcess(), out, err));
  }

  /**
   * Runs the command line {@code args}, printing on {@code out} and {@code err}.
   *
   * @return the exit code
   */
  public static int execute(
      String[] args, Environment environment, PrintWriter out, PrintWriter err) {
    CommandLine commandLine =
        new CommandLine(new UplinkCommand(environment))
            .setOut(out)
            .setErr(err)
            .setParameterExceptionHandler(UplinkCommand::usageError)
            .setExecutionExceptionHandler(UplinkCommand::failure);
    int exitCode = commandLine.execute(args);
    out.flush();
    err.flush();
    return exitCode;
  }

  /** {@code uplink} without a command. */
  @Override
  public Integer call() {
    throw new ParameterException(
        spec.commandLine(), "a command is required: " + commandNames(spec.commandLine()));
  }

  /** The environment of the {@code uplink} command {@code command} belongs to. */
  static Environment environmentOf(CommandSpec command) {
    Object root = command.root().userObject();
    if (root instanceof UplinkCommand uplink) {
      return uplink.environment;
    }
    throw new IllegalStateException(command.qualifiedName() + " is not under " + NAME);
  }

  /**
   * The canonical form of a task id given on the command line.
   *
   * @throws ParameterException (exit 2) if it is not one
   */
  static String taskId(String id, CommandSpec command) {
    try {
      return TaskIds.canonical(id);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(command.commandLine(), e.getMessage());
    }
  }

  /** This build's version, from the jar's manifest. */
  static String version() {
    String version = UplinkCommand.class.getPackage().getImplementationVersion();
    return version == null ? "development" : version;
  }

  /** A usage error: one line naming the mistake and where help is, exit 2. */
  private static int usageError(ParameterException e, String[] args) {
    CommandLine commandLine = e.getCommandLine();
    String message = e.getMessage();
    if (e instanceof UnmatchedArgumentException unmatched
        && commandLine.getCommandSpec().parent() == null
        && !commandLine.getSubcommands().isEmpty()
        && !unmatched.getUnmatched().isEmpty()
        && !unmatched.getUnmatched().get(0).startsWith("-")) {
      message =
          "unknown command '"
              + unmatched.getUnmatched().get(0)
              + "' (commands: "
              + commandNames(commandLine)
              + ")";
    }
    PrintWriter err = commandLine.getErr();
    err.println(
        NAME
            + ": "
            + Problem.oneLine(message)
            + " (see '"
            + commandLine.getCommandSpec().qualifiedName()
            + " --help')");
    err.flush();
    return USAGE_ERROR;
  }

  /** A failure while running: one line, never a stack trace, exit 1. */
  private static int failure(Exception e, CommandLine commandLine, ParseResult parsed) {
    String message = e instanceof CliException ? e.getMessage() : "unexpected error: " + chain(e);
    PrintWriter err = commandLine.getErr();
    err.println(NAME + ": " + Problem.oneLine(message));
    err.flush();
    return CliException.EXIT_CODE;
  }

  /** {@code IllegalStateException: outer: BindException: inner}, each message once. */
  private static String chain(Throwable e) {
    var parts = new ArrayList<String>();
    for (Throwable t = e; t != null && parts.size() < 6; t = t.getCause()) {
      String part = t.getClass().getSimpleName();
      if (t.getMessage() != null && !parts.contains(part + ": " + t.getMessage())) {
        part += ": " + t.getMessage();
      }
      parts.add(part);
      if (t.getCause() == t) {
        break;
      }
    }
    return String.join(" <- ", parts);
  }

  private static String commandNames(CommandLine commandLine) {
    List<String> names = new ArrayList<>(commandLine.getSubcommands().keySet());
    names.remove("help");
    return String.join(", ", names);
  }

  /** {@code uplink --version}. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {NAME + " " + version()};
    }
  }
}
