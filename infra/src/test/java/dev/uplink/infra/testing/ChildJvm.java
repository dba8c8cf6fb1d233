package dev.uplink.infra.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A child JVM started from a Surefire test, the way {@code LargeUploadHeapTest} does it: the same
 * {@code java} binary as the test JVM, the test classpath ({@code java.class.path}, so main and
 * test classes and every dependency), an environment with no inherited {@code UPLINK_*} variable,
 * and stdout and stderr together in one file that the test reads (and shows on failure).
 *
 * <pre>{@code
 * ChildJvm poller = ChildJvm.builder(PollerMain.class.getName(), dir.resolve("a.log"))
 *     .env("UPLINK_QUEUE", "tasks").jvmArgs("-Xmx256m").start();
 * poller.awaitOutput(Pattern.compile("Polling "), Duration.ofSeconds(30));
 * poller.kill(); // SIGKILL
 * }</pre>
 */
public final class ChildJvm implements AutoCloseable {

  private final String name;
  private final Process process;
  private final Path output;
  private final long startedNanos = System.nanoTime();

  private ChildJvm(String name, Process process, Path output) {
    this.name = name;
    this.process = process;
    this.output = output;
  }

  /**
   * A child running {@code mainClass} from the test classpath, writing stdout and stderr to {@code
   * output} (created or truncated).
   */
  public static Builder builder(String mainClass, Path output) {
    return new Builder(mainClass, output);
  }

  /** The {@code java} binary running this JVM (the toolchain's JDK under Surefire). */
  public static String javaBinary() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /**
   * Surefire's {@code java.class.path}: infra's classes, test classes and all dependencies, even
   * when the fork itself was booted from a manifest-only jar.
   */
  public static String testClasspath() {
    String classpath = System.getProperty("java.class.path");
    boolean hasInfra =
        Stream.of(classpath.split(File.pathSeparator))
            .anyMatch(entry -> Files.isDirectory(Path.of(entry, "dev", "uplink", "infra")));
    if (!hasInfra) {
      throw new IllegalStateException(
          "java.class.path does not contain infra's classes (a manifest-only jar?): " + classpath);
    }
    return classpath;
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public Process process() {
    return process;
  }

  /** The file holding the child's stdout and stderr. */
  public Path output() {
    return output;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Milliseconds since the child was started. */
  public long ageMillis() {
    return (System.nanoTime() - startedNanos) / 1_000_000;
  }

  /** The exit code, or empty while the child runs. */
  public OptionalInt exitCode() {
    return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
  }

  /** "alive" or "exited with N". */
  public String state() {
    return process.isAlive() ? "alive" : "exited with " + process.exitValue();
  }

  /** Everything the child has written so far (ISO-8859-1: never fails on a torn last line). */
  public String outputText() {
    try {
      return Files.exists(output) ? Files.readString(output, StandardCharsets.ISO_8859_1) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The child's output as lines. */
  public List<String> outputLines() {
    String text = outputText();
    return text.isEmpty() ? List.of() : List.of(text.split("\r?\n"));
  }

  /** The last {@code lines} lines of output, labelled, for failure messages. */
  public String tail(int lines) {
    List<String> all = outputLines();
    return "--- last %d lines of %s (pid %d, %s, %s) ---%n%s"
        .formatted(
            Math.min(lines, all.size()),
            name,
            process.pid(),
            state(),
            output,
            String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size())));
  }

  /**
   * Waits until the output matches {@code pattern} (anywhere); throws {@link AssertionError} with
   * the output's tail when the child exits first or the deadline passes.
   */
  public void awaitOutput(Pattern pattern, Duration deadline) {
    long end = System.nanoTime() + deadline.toNanos();
    while (true) {
      if (pattern.matcher(outputText()).find()) {
        return;
      }
      if (!process.isAlive()) {
        throw new AssertionError(
            "%s exited before its output matched /%s/%n%s".formatted(name, pattern, tail(60)));
      }
      if (System.nanoTime() > end) {
        throw new AssertionError(
            "%s did not print /%s/ within %s%n%s".formatted(name, pattern, deadline, tail(60)));
      }
      sleep(Duration.ofMillis(100));
    }
  }

  /** SIGKILL, then waits (up to 30 s) until the process is gone. */
  public void kill() {
    process.destroyForcibly();
    waitFor(Duration.ofSeconds(30));
  }

  /**
   * SIGTERM, then waits up to {@code timeout}. Returns the exit code, or empty if it still runs (it
   * is left running: call {@link #kill()} or {@link #close()}).
   */
  public OptionalInt terminate(Duration timeout) {
    process.destroy();
    return waitFor(timeout);
  }

  /**
   * Waits up to {@code timeout} for the child to exit; its exit code, or empty if it still runs.
   */
  public OptionalInt waitFor(Duration timeout) {
    try {
      if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        return OptionalInt.of(process.exitValue());
      }
      return OptionalInt.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return OptionalInt.empty();
    }
  }

  /** SIGTERM, and SIGKILL after 10 s if it still runs; idempotent. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    if (terminate(Duration.ofSeconds(10)).isEmpty()) {
      kill();
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** What to run and how; {@link #start()} launches it. */
  public static final class Builder {

    private final String mainClass;
    private final Path output;
    private final List<String> jvmArgs = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> args = new ArrayList<>();
    private String name;

    private Builder(String mainClass, Path output) {
      this.mainClass = Objects.requireNonNull(mainClass, "mainClass");
      this.output = Objects.requireNonNull(output, "output");
      this.name = mainClass.substring(mainClass.lastIndexOf('.') + 1);
    }

    /** A label for messages; default the main class's simple name. */
    public Builder name(String newName) {
      this.name = Objects.requireNonNull(newName, "name");
      return this;
    }

    /** Options before the main class, e.g. {@code -Xmx256m}. */
    public Builder jvmArgs(String... options) {
      jvmArgs.addAll(List.of(options));
      return this;
    }

    /** Arguments after the main class. */
    public Builder args(String... arguments) {
      args.addAll(List.of(arguments));
      return this;
    }

    /** One environment variable (on top of the test JVM's, minus its {@code UPLINK_*} ones). */
    public Builder env(String variable, String value) {
      env.put(variable, value);
      return this;
    }

    public Builder env(Map<String, String> variables) {
      env.putAll(variables);
      return this;
    }

    public ChildJvm start() {
      List<String> command = new ArrayList<>();
      command.add(javaBinary());
      command.addAll(jvmArgs);
      command.add("-cp");
      command.add(testClasspath());
      command.add(mainClass);
      command.addAll(args);
      var builder = new ProcessBuilder(command);
      Map<String, String> environment = builder.environment();
      // Nothing from the surroundings (e.g. UPLINK_INCUS_URL on CI) changes the child under test.
      environment.keySet().removeIf(variable -> variable.startsWith("UPLINK_"));
      environment.putAll(env);
      builder.redirectErrorStream(true).redirectOutput(output.toFile());
      try {
        return new ChildJvm(name, builder.start(), output);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot start " + name + ": " + command, e);
      }
    }
  }
}
