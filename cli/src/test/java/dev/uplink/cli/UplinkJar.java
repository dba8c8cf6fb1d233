package dev.uplink.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged {@code target/uplink.jar} run as a real process, {@code java -jar}, by the JDK
 * running the tests (the toolchain's, 21 or newer), with no inherited {@code UPLINK_*} or {@code
 * AWS_*} variable: a run gets only what the test gives it, as a user's fresh shell would.
 */
final class UplinkJar {

  /** Set by Failsafe; the default works when the tests run from the module directory. */
  static final Path JAR = Path.of(System.getProperty("uplink.jar", "target/uplink.jar"));

  /**
   * What {@code uplink local} runs from: the module's jar and every library unmodified, emulators
   * included (the thin {@link #JAR} leaves them out). Set by Failsafe, like {@link #JAR}.
   */
  static final Path LOCAL_DIR =
      Path.of(System.getProperty("uplink.local.dir", "target/local")).toAbsolutePath();

  /** The command that runs {@code uplink local}'s class path, as ./uplink does. */
  static List<String> localCommand() {
    return List.of(
        java().toString(),
        "--enable-native-access=ALL-UNNAMED",
        "-cp",
        LOCAL_DIR.resolve("*").toString(),
        "dev.uplink.cli.UplinkCommand");
  }

  private static final long TIMEOUT_SECONDS = 120;

  private UplinkJar() {}

  /**
   * One run: its exit code and output.
   *
   * @param exitCode the process's exit code
   * @param stdout what it printed on stdout
   * @param stderr what it printed on stderr
   */
  record Run(int exitCode, String stdout, String stderr) {
    List<String> stderrLines() {
      return stderr.isEmpty() ? List.of() : List.of(stderr.split("\\R"));
    }

    @Override
    public String toString() {
      return "exit %d%n--- stdout ---%n%s--- stderr ---%n%s".formatted(exitCode, stdout, stderr);
    }
  }

  static Path java() {
    return Path.of(System.getProperty("java.home"), "bin", "java");
  }

  /**
   * Removes what the tests' own environment would leak into a run: Uplink's settings and AWS
   * credentials (Surefire sets test ones), so that a run proves its own environment suffices.
   */
  static void scrub(Map<String, String> environment) {
    environment.keySet().removeIf(name -> name.startsWith("UPLINK_") || name.startsWith("AWS_"));
  }

  /** Runs {@code java -jar uplink.jar args...} with {@code environment} added. */
  static Run run(Map<String, String> environment, String... args) {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: run mvn verify");
    }
    try {
      Path out = Files.createTempFile("uplink-stdout-", ".txt");
      Path err = Files.createTempFile("uplink-stderr-", ".txt");
      try {
        List<String> command = new ArrayList<>(List.of(java().toString(), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        var builder = new ProcessBuilder(command);
        scrub(builder.environment());
        builder.environment().putAll(environment);
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process process = builder.start();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new AssertionError(
              "uplink " + String.join(" ", args) + " ran longer than " + TIMEOUT_SECONDS + " s");
        }
        return new Run(
            process.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
