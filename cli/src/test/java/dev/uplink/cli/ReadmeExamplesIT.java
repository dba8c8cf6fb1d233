package dev.uplink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.infra.UplinkLocal;
import dev.uplink.processor.incus.IncusClient;
import dev.uplink.processor.incus.IncusTestEnvironment;
import dev.uplink.processor.incus.TcpForwarder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
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
  static final List<String> ON_UPLINK_LOCAL =
      List.of("Try it", "uplink CLI", "API", "Webhooks", "Health");

  /**
   * The section whose one example starts that {@code uplink local}: {@code ./uplink local} (as
   * <em>The two commands</em> prints it) piped into jq, which fails on the first line of its
   * standard output that is not JSON.
   */
  static final String STACK = "Logs";

  /**
   * The section whose examples need a real incusd: its first example starts the stack, the others
   * run in a second shell holding the banner's exports.
   */
  static final String DEAD_LETTERS = "Dead letters";

  /** Where its examples put files in the instance; removed afterwards. */
  private static final String DEAD_LETTERS_DIRECTORY = "/srv/dlq-demo";

  private static final Path README =
      Path.of(System.getProperty("uplink.readme", "../README.md")).toAbsolutePath();
  private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(150);

  @Test
  @DisplayName(
      "Try it, uplink CLI, API, Webhooks and Health work against the uplink local Logs starts, whose standard"
          + " output jq reads as JSON throughout")
  void runAgainstUplinkLocal(@TempDir Path dir) throws Exception {
    String readme = Files.readString(README);
    List<ReadmeExamples.Example> examples = ReadmeExamples.in(readme, ON_UPLINK_LOCAL);
    List<ReadmeExamples.Example> logs = ReadmeExamples.in(readme, List.of(STACK));
    assertThat(logs).as("the examples of Logs").hasSize(1);
    String stack = logs.get(0).code();
    assertThat(stack).as("the Logs example").startsWith("./uplink local | jq ");
    installUplinkCommand(dir);
    try (var local =
        UplinkLocalProcess.start(
            dir,
            Map.of("UPLINK_PORT", "0"),
            List.of("bash", "-c", "set -euo pipefail\n" + stack))) {
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
      assertThat(local.runs("jq"))
          .as("jq of the Logs example, after the session:%n%s", local.log())
          .isTrue();
      assertThat(local.log())
          .as("what the Logs example printed on stderr: jq found only JSON")
          .doesNotContain("jq: error", "parse error");
    }
  }

  @Test
  @DisplayName("Dead letters works against uplink local and a real incusd")
  void runDeadLetters(@TempDir Path dir) throws Exception {
    IncusTestEnvironment incus = IncusTestEnvironment.require(); // under CI=true, fails here
    requireCommands("socat", "incus");
    List<ReadmeExamples.Example> examples =
        ReadmeExamples.in(Files.readString(README), List.of(DEAD_LETTERS));
    // Incus "behind a port where nothing listens": a free one, not the README's 8444.
    var replacements =
        Map.of(
            "8444",
            String.valueOf(TcpForwarder.freePort()),
            "/tmp/",
            Files.createDirectories(dir.resolve("tmp")) + "/");
    ReadmeExamples.Example terminal1 = examples.get(0);
    String stack = ReadmeExamples.withChecks(replace(terminal1.code(), replacements));
    installUplinkCommand(dir);
    try (var local =
        UplinkLocalProcess.start(
            dir, Map.of("UPLINK_PORT", "0"), List.of("bash", "-c", "set -eu\n" + stack))) {
      run(dir, examples.subList(1, examples.size()), replacements, local.exports(), local);
    } finally {
      try (var client = new IncusClient(incus.settings())) {
        incus.deleteTree(client, DEAD_LETTERS_DIRECTORY);
      }
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
    // A pipe, not a file: an example's `tee /dev/stderr` reopens its standard error, and would
    // truncate a file.
    builder.redirectErrorStream(true);
    Process shell = builder.start();
    Thread copy =
        Thread.ofVirtual()
            .start(
                () -> {
                  try (var in = shell.getInputStream()) {
                    Files.copy(in, output);
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                });
    boolean finished = shell.waitFor(SESSION_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    copy.join(Duration.ofSeconds(10).toMillis());
    if (finished && shell.exitValue() == 0) {
      return;
    }
    String outcome;
    if (finished) {
      outcome = "failed with exit code " + shell.exitValue();
    } else {
      shell.descendants().forEach(ProcessHandle::destroyForcibly);
      shell.destroyForcibly();
      copy.join(Duration.ofSeconds(10).toMillis());
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

  private static String replace(String code, Map<String, String> replacements) {
    for (var replacement : replacements.entrySet()) {
      code = code.replace(replacement.getKey(), replacement.getValue());
    }
    return code;
  }

  /** Skips (fails under {@code CI=true}, where {@code .ci/run} installs them) without these. */
  private static void requireCommands(String... commands) {
    List<String> missing =
        Arrays.stream(commands)
            .filter(
                command ->
                    Arrays.stream(System.getenv("PATH").split(":"))
                        .noneMatch(dir -> Files.isExecutable(Path.of(dir, command))))
            .toList();
    if (missing.isEmpty()) {
      return;
    }
    String message = "the README's Dead letters example needs " + String.join(" and ", missing);
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      Assertions.fail("CI=true, so this must not skip: " + message);
    }
    Assumptions.abort(message);
  }

  /**
   * {@code ./uplink} (and {@code uplink} on the PATH): the packaged jar, as the launcher runs it.
   */
  private static void installUplinkCommand(Path dir) throws Exception {
    Path command = dir.resolve("uplink");
    Files.writeString(
        command,
        """
        #!/bin/sh
        # as ./uplink does: the client commands from the thin jar, local from the class path
        # that carries the emulators
        if [ "$1" = local ]; then
          exec '%1$s' %2$s --enable-native-access=ALL-UNNAMED -cp '%3$s' dev.uplink.cli.UplinkCommand "$@"
        fi
        exec '%1$s' %2$s -jar '%4$s' "$@"
        """
            .formatted(
                UplinkJar.java(),
                // as ./uplink does, for Pekko
                Runtime.version().feature() >= 23 ? "--sun-misc-unsafe-memory-access=allow" : "",
                UplinkJar.LOCAL_DIR.toAbsolutePath().resolve("*"),
                UplinkJar.JAR.toAbsolutePath()));
    Files.setPosixFilePermissions(command, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static String tail(String text, int characters) {
    return text.length() <= characters ? text : "…" + text.substring(text.length() - characters);
  }
}
