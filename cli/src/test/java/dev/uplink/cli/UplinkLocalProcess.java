package dev.uplink.cli;

import dev.uplink.infra.EmulatorsBanner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code uplink local} (or {@code uplink local --emulators-only}) as a process (the class path in
 * {@code target/local/}), with no inherited {@code UPLINK_*} or {@code AWS_*} variable, started and
 * read as a person would: its banner says where the API is and which {@code export} lines another
 * shell needs.
 */
final class UplinkLocalProcess implements AutoCloseable {

  private static final Duration STARTUP = Duration.ofSeconds(90);
  private static final String READY = "Press Ctrl+C to stop.";
  private static final String HEADING = "Uplink is running locally.";
  private static final Pattern API_LINE = Pattern.compile("API:\\s+(http://\\S+)");
  private static final Pattern EXPORT_LINE = Pattern.compile("(?m)^\\s*export (.+)$");
  private static final Pattern ASSIGNMENT =
      Pattern.compile("([A-Z_][A-Z0-9_]*)=('(?:[^']|'\\\\'')*'|\\S+)");

  private final Process process;
  private final Path log;
  private final Path stdout;
  private final String banner;

  private UplinkLocalProcess(Process process, Path log, Path stdout, String banner) {
    this.process = process;
    this.log = log;
    this.stdout = stdout;
    this.banner = banner;
  }

  /**
   * Starts it in {@code dir} (its standard error, where the banner goes, to {@code dir/local.log};
   * its standard output, the log lines, to {@code dir/local.out}) with {@code environment} and
   * returns once it has printed its banner.
   */
  static UplinkLocalProcess start(Path dir, Map<String, String> environment) throws Exception {
    return start(dir, environment, localCommand());
  }

  /**
   * Starts {@code uplink local --emulators-only} as {@link #start(Path, Map)} starts {@code uplink
   * local}: its banner's {@code export} lines point the services at its emulators.
   */
  static UplinkLocalProcess startEmulators(Path dir, Map<String, String> environment)
      throws Exception {
    List<String> command = localCommand();
    command.add("--emulators-only");
    return start(dir, environment, command);
  }

  private static List<String> localCommand() {
    List<String> command = new ArrayList<>(UplinkJar.localCommand());
    if (Runtime.version().feature() >= 23) {
      command.add(1, "--sun-misc-unsafe-memory-access=allow"); // as ./uplink does, for Pekko
    }
    command.add("local");
    return command;
  }

  /**
   * Starts {@code command}, which runs {@code uplink local} in the end (a README example that
   * starts the stack, say), as {@link #start(Path, Map)} does.
   */
  static UplinkLocalProcess start(Path dir, Map<String, String> environment, List<String> command)
      throws Exception {
    Path log = dir.resolve("local.log");
    var builder = new ProcessBuilder(command).directory(dir.toFile());
    UplinkJar.scrub(builder.environment());
    builder.environment().putAll(environment);
    Path stdout = dir.resolve("local.out");
    builder.redirectError(log.toFile()).redirectOutput(stdout.toFile());
    Process process = builder.start();
    try {
      return new UplinkLocalProcess(process, log, stdout, awaitBanner(process, log));
    } catch (Exception | AssertionError e) {
      process.destroyForcibly();
      throw e;
    }
  }

  private static String awaitBanner(Process process, Path log) throws Exception {
    long deadline = System.nanoTime() + STARTUP.toNanos();
    while (System.nanoTime() < deadline) {
      String text = read(log);
      int ready = text.indexOf(READY);
      if (ready >= 0) {
        int start =
            Math.max(
                text.lastIndexOf(HEADING, ready), text.lastIndexOf(EmulatorsBanner.HEADING, ready));
        return text.substring(Math.max(start, 0), ready + READY.length());
      }
      if (!process.isAlive()) {
        throw new AssertionError("uplink local exited with " + process.exitValue() + ":\n" + text);
      }
      Thread.sleep(200);
    }
    throw new AssertionError("uplink local did not start within " + STARTUP + ":\n" + read(log));
  }

  /** Whether {@code program} (e.g. {@code jq}) runs among its descendants: a shell's pipeline. */
  boolean runs(String program) {
    return process
        .descendants()
        .filter(ProcessHandle::isAlive)
        .anyMatch(
            child ->
                child
                    .info()
                    .command()
                    .map(command -> Path.of(command).getFileName().toString().equals(program))
                    .orElse(false));
  }

  /** The process id. */
  long pid() {
    return process.pid();
  }

  /**
   * The banner, from {@code Uplink is running locally.} (or the emulators' {@link
   * EmulatorsBanner#HEADING}) to {@code Press Ctrl+C to stop.}.
   */
  String banner() {
    return banner;
  }

  /** The API's URL as the banner prints it. */
  String apiUrl() {
    Matcher api = API_LINE.matcher(banner);
    if (!api.find()) {
      throw new AssertionError("no API line in the banner:\n" + banner);
    }
    return api.group(1);
  }

  /** What a shell holds after running the banner's {@code export} lines. */
  Map<String, String> exports() {
    var env = new HashMap<String, String>();
    Matcher line = EXPORT_LINE.matcher(banner);
    while (line.find()) {
      Matcher assignment = ASSIGNMENT.matcher(line.group(1));
      while (assignment.find()) {
        String value = assignment.group(2);
        if (value.startsWith("'")) {
          value = value.substring(1, value.length() - 1).replace("'\\''", "'");
        }
        env.put(assignment.group(1), value);
      }
    }
    if (env.isEmpty()) {
      throw new AssertionError("no export lines in the banner:\n" + banner);
    }
    return env;
  }

  /** Everything it printed so far: standard error, then standard output. */
  String log() throws IOException {
    return read(log) + read(stdout);
  }

  /** What it printed on standard output so far: its log lines. */
  String stdout() throws IOException {
    return read(stdout);
  }

  /** Sends SIGTERM and returns the exit code (the process is killed after 30 s). */
  int stop() throws Exception {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("uplink local did not stop within 30 s:\n" + log());
    }
    return process.exitValue();
  }

  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroyForcibly); // a shell's uplink local
    process.destroyForcibly();
  }

  private static String read(Path log) throws IOException {
    return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
  }
}
