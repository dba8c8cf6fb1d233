package dev.uplink.cli;

import dev.uplink.infra.UplinkLocal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's examples run as printed, so that one that stops working fails the build: the {@code
 * ```bash} blocks of the sections below, in one bash shell (as a reader pasting them one after the
 * other), against {@code uplink local} run from the packaged jar, with {@code ./uplink} the
 * packaged jar too.
 *
 * <p>The shell holds what a reader's would: the {@code export} lines of the stack's banner, and
 * {@code API} and {@code AUTH} as the API section defines them. Two texts are replaced, so that
 * parallel builds do not collide: {@code http://127.0.0.1:8080} becomes the stack's address (it
 * listens on a free port), and {@code /tmp/} a directory of the test's own. curl runs with {@code
 * fail-with-body}, so an HTTP error fails an example unless the README shows it answering that
 * problem (see {@link ReadmeExamples}).
 */
@DisplayName("README examples, run as printed")
class ReadmeExamplesIT {

  /** The sections whose examples run against {@code uplink local} with the directory target. */
  static final List<String> ON_UPLINK_LOCAL = List.of("Try it", "uplink CLI", "API");

  private static final Path README =
      Path.of(System.getProperty("uplink.readme", "../README.md")).toAbsolutePath();
  private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(150);

  @Test
  @DisplayName("Try it, uplink CLI and API work against uplink local")
  void runAgainstUplinkLocal(@TempDir Path dir) throws Exception {
    List<ReadmeExamples.Example> examples =
        ReadmeExamples.in(Files.readString(README), ON_UPLINK_LOCAL);
    try (var local = UplinkLocalProcess.start(dir, Map.of("UPLINK_PORT", "0"))) {
      String base = local.exports().get(CliSettings.API_URL_VARIABLE);
      var environment = new HashMap<>(local.exports());
      environment.put("API", base + "/v1/uploads");
      environment.put("AUTH", "Authorization: Bearer " + UplinkLocal.DEV_API_KEY);
      Path tmp = Files.createDirectories(dir.resolve("tmp"));
      run(
          dir,
          examples,
          Map.of("http://127.0.0.1:8080", base, "/tmp/", tmp + "/"),
          environment,
          local);
    }
  }

  /**
   * Runs {@code examples} in one shell in {@code dir}; a failure names the example that failed (or
   * was running when time ran out) and shows the shell's output and the stack's log.
   */
  private static void run(
      Path dir,
      List<ReadmeExamples.Example> examples,
      Map<String, String> replacements,
      Map<String, String> environment,
      UplinkLocalProcess local)
      throws Exception {
    Path progress = dir.resolve("example.progress");
    Path script = dir.resolve("examples.sh");
    Files.writeString(script, ReadmeExamples.script(examples, replacements, progress));
    installUplinkCommand(dir);
    Files.writeString(dir.resolve(".curlrc"), "fail-with-body\n");
    Path output = dir.resolve("examples.out");

    var builder = new ProcessBuilder("bash", script.toString()).directory(dir.toFile());
    UplinkJar.scrub(builder.environment());
    builder.environment().putAll(environment);
    builder.environment().put("CURL_HOME", dir.toString());
    builder.environment().put("PATH", dir + ":" + System.getenv("PATH"));
    builder.redirectErrorStream(true).redirectOutput(output.toFile());
    Process shell = builder.start();
    boolean finished = shell.waitFor(SESSION_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    if (finished && shell.exitValue() == 0) {
      return;
    }
    String outcome;
    if (finished) {
      outcome = "failed with exit code " + shell.exitValue();
    } else {
      shell.descendants().forEach(ProcessHandle::destroyForcibly);
      shell.destroyForcibly();
      outcome = "was still running after " + SESSION_TIMEOUT.toSeconds() + " s";
    }
    String running = Files.exists(progress) ? Files.readString(progress).strip() : "";
    String which =
        running.isEmpty() ? "the script" : examples.get(Integer.parseInt(running)).toString();
    throw new AssertionError(
        "%s %s%n--- the shell's output ---%n%s%n--- uplink local's log (tail) ---%n%s"
            .formatted(
                which,
                outcome,
                Files.readString(output, StandardCharsets.ISO_8859_1),
                tail(local.log(), 6000)));
  }

  /**
   * {@code ./uplink} (and {@code uplink} on the PATH): the packaged jar, as the launcher runs it.
   */
  private static void installUplinkCommand(Path dir) throws Exception {
    Path command = dir.resolve("uplink");
    Files.writeString(
        command,
        "#!/bin/sh\nexec '%s' -jar '%s' \"$@\"\n"
            .formatted(UplinkJar.java(), UplinkJar.JAR.toAbsolutePath()));
    Files.setPosixFilePermissions(command, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static String tail(String text, int characters) {
    return text.length() <= characters ? text : "…" + text.substring(text.length() - characters);
  }
}
