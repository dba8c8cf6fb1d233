package dev.uplink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("The command line")
class UsageTest {

  private static final String ID = "01KAZ3V5QG7T2N4R8X6Y9B1C0D";

  /** Nothing listens there: a command that got past its checks fails with exit 1, not 2. */
  private static final Map<String, String> UNREACHABLE_API =
      Map.of(CliSettings.API_URL_VARIABLE, "http://127.0.0.1:1");

  private static CliRun run(String... args) {
    return CliRun.of(UNREACHABLE_API, args);
  }

  /** Exit 2, nothing on stdout, one line on stderr starting with {@code uplink: }. */
  private static void assertUsageError(CliRun run, String expected) {
    assertThat(run.exitCode()).as("exit code of a usage error; %s", run).isEqualTo(2);
    assertThat(run.stdout()).as("stdout of a usage error").isEmpty();
    assertThat(run.stderrLines()).as("stderr of a usage error: one line").hasSize(1);
    assertThat(run.stderrLines().get(0))
        .as("the error line")
        .startsWith("uplink: ")
        .contains(expected)
        .contains("--help");
  }

  @Nested
  @DisplayName("answers a usage error with exit 2 and one line on stderr")
  class UsageErrors {

    @Test
    @DisplayName("when no command is given")
    void noCommand() {
      assertUsageError(
          run(),
          "a command is required: upload, status, list, cancel, retry, dlq, webhooks, local");
    }

    @Test
    @DisplayName("when the command is unknown, naming the known ones")
    void unknownCommand() {
      assertUsageError(run("frobnicate"), "unknown command 'frobnicate' (commands: upload,");
    }

    @Test
    @DisplayName("when an option is unknown")
    void unknownOption() {
      assertUsageError(run("list", "--colour"), "Unknown option: '--colour'");
    }

    @Test
    @DisplayName("when upload lacks --path")
    void uploadWithoutPath() {
      assertUsageError(
          run("upload", "file.bin", "--container", "demo"),
          "Missing required option: '--path=/ABS/PATH'");
    }

    @Test
    @DisplayName("when upload lacks FILE")
    void uploadWithoutFile() {
      assertUsageError(
          run("upload", "--container", "demo", "--path", "/srv/a.bin"),
          "Missing required parameter: 'FILE'");
    }

    @Test
    @DisplayName("when the upload path is relative, before the file is even looked at")
    void relativePath() {
      assertUsageError(
          run("upload", "no-such-file", "--container", "demo", "--path", "srv/a.bin"),
          "--path must be absolute (start with /)");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/srv/../etc/passwd", "/srv//a.bin", "/srv/./a.bin"})
    @DisplayName("when the upload path is not normalised")
    void unnormalisedPath(String path) {
      assertUsageError(
          run("upload", "f", "--container", "demo", "--path", path), "--path must be normalised");
    }

    @Test
    @DisplayName("when the container name breaks Incus's rules")
    void badContainer() {
      assertUsageError(
          run("upload", "f", "--container", "web_1", "--path", "/a"), "--container must be");
    }

    @Test
    @DisplayName("when the mode is not octal")
    void badMode() {
      assertUsageError(
          run("upload", "f", "--container", "demo", "--path", "/a", "--mode", "0999"),
          "--mode must be octal");
    }

    @ParameterizedTest(name = "--mode {0}")
    @ValueSource(strings = {"4755", "2750", "1777", "04755"})
    @DisplayName("when the mode has a setuid, setgid or sticky bit, which Incus cannot set")
    void givenASetuidSetgidOrStickyMode_whenUploading_thenExit2SayingIncusCannotSetIt(String mode) {
      assertUsageError(
          run("upload", "f", "--container", "demo", "--path", "/a", "--mode", mode),
          "--mode must be between 0000 and 0777:"
              + " Incus cannot set setuid, setgid or sticky bits (got "
              + mode
              + ")");
    }

    @Test
    @DisplayName("when --uid is not a number")
    void badUid() {
      assertUsageError(
          run("upload", "f", "--container", "demo", "--path", "/a", "--uid", "root"),
          "Invalid value for option '--uid'");
    }

    @Test
    @DisplayName("when --multipart-threshold is not a size")
    void badThreshold() {
      assertUsageError(
          run(
              "upload",
              "f",
              "--container",
              "demo",
              "--path",
              "/a",
              "--presigned",
              "--multipart-threshold",
              "lots"),
          "'lots' is not a size");
    }

    @Test
    @DisplayName("when --timeout is not positive")
    void nonPositiveTimeout() {
      assertUsageError(
          run("status", ID, "--wait", "--timeout", "0"), "--timeout must be a positive number");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"status", "cancel"})
    @DisplayName("when the task id is not one")
    void badTaskId(String command) {
      assertUsageError(run(command, "42"), "'42' is not a task id");
    }

    @Test
    @DisplayName("when list --status is not a status")
    void badStatusFilter() {
      assertUsageError(run("list", "--status", "FINISHED"), "--status must be one of");
    }

    @Test
    @DisplayName("when list --limit is below 1")
    void badLimit() {
      assertUsageError(run("list", "--limit", "0"), "--limit must be at least 1");
    }

    @Test
    @DisplayName("when --api is not an http(s) URL")
    void badApiFlag() {
      assertUsageError(run("list", "--api", "ftp://example.com"), "--api must be an http://");
    }

    @Test
    @DisplayName("when UPLINK_API_URL is not an http(s) URL, naming the variable")
    void badApiVariable() {
      assertUsageError(
          CliRun.of(Map.of(CliSettings.API_URL_VARIABLE, "localhost:8080"), "list"),
          "UPLINK_API_URL must be an http://");
    }

    @Test
    @DisplayName("when the API key has spaces, without showing the key")
    void badApiKey() {
      CliRun run = run("list", "--api-key", "secret with spaces");
      assertUsageError(run, "--api-key may contain only printable ASCII");
      assertThat(run.stderr()).as("stderr").doesNotContain("secret");
    }
  }

  @Nested
  @DisplayName("fails with exit 1 and one line on stderr")
  class Failures {

    @Test
    @DisplayName("when the file to upload does not exist")
    void missingFile(@TempDir Path dir) {
      CliRun run =
          run("upload", dir.resolve("absent.bin").toString(), "--container", "c", "--path", "/a");
      assertThat(run.exitCode()).as("exit code; %s", run).isEqualTo(1);
      assertThat(run.stderrLines()).containsExactly("uplink: no such file: " + dir + "/absent.bin");
    }

    @Test
    @DisplayName("when the API cannot be reached, saying where it looked and how to point it")
    void unreachableApi(@TempDir Path dir) throws Exception {
      Path file = Files.writeString(dir.resolve("a.txt"), "hello");
      CliRun run = run("upload", file.toString(), "--container", "c", "--path", "/a");
      assertThat(run.exitCode()).as("exit code; %s", run).isEqualTo(1);
      assertThat(run.stderrLines())
          .singleElement()
          .asString()
          .startsWith("uplink: cannot connect to the API at http://127.0.0.1:1")
          .contains("--api or UPLINK_API_URL");
    }
  }

  @Nested
  @DisplayName("answers --help with exit 0 and the usage on stdout")
  class Help {

    @ParameterizedTest(name = "uplink {0} --help")
    @ValueSource(strings = {"upload", "status", "list", "cancel", "retry", "local"})
    void everyCommand(String command) {
      CliRun run = run(command, "--help");
      assertThat(run.exitCode()).as("exit code; %s", run).isZero();
      assertThat(run.stdout()).startsWith("Usage: uplink " + command).contains("Exit codes:");
      assertThat(run.stderr()).isEmpty();
    }

    @Test
    @DisplayName("uplink --help lists every command")
    void topLevel() {
      CliRun run = run("--help");
      assertThat(run.exitCode()).isZero();
      assertThat(run.stdout())
          .contains("upload", "status", "list", "cancel", "retry", "dlq", "local");
    }

    @Test
    @DisplayName("uplink help upload is uplink upload --help")
    void helpCommand() {
      assertThat(run("help", "upload").stdout()).isEqualTo(run("upload", "--help").stdout());
    }

    @Test
    @DisplayName("uplink --version names the command")
    void version() {
      CliRun run = run("--version");
      assertThat(run.exitCode()).isZero();
      assertThat(run.stdout()).startsWith("uplink ");
    }
  }
}
