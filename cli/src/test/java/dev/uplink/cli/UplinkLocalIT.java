package dev.uplink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.infra.UplinkLocal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar uplink.jar local} really runs the stack out of the one jar (the emulators'
 * configuration files, native libraries and services survive the merge into it).
 */
@DisplayName("uplink.jar local")
class UplinkLocalIT {

  private static final Pattern API_LINE = Pattern.compile("API:\\s+(http://\\S+)");
  private static final Duration STARTUP = Duration.ofSeconds(90);

  @Test
  @DisplayName(
      "serves the API it prints, delivers into the directory target, and exits 0 on SIGTERM")
  void runsTheStack(@TempDir Path dir) throws Exception {
    Path dataDir = Files.createDirectories(dir.resolve("data"));
    Path log = dir.resolve("local.log");
    List<String> command = new ArrayList<>(List.of(UplinkJar.java().toString()));
    if (Runtime.version().feature() >= 23) {
      command.add("--sun-misc-unsafe-memory-access=allow"); // as ./uplink does, for Pekko
    }
    command.addAll(List.of("-jar", UplinkJar.JAR.toString(), "local"));
    var builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("UPLINK_"));
    builder.environment().put("UPLINK_PORT", "0");
    builder.environment().put("UPLINK_DATA_DIR", dataDir.toString());
    builder.redirectErrorStream(true).redirectOutput(log.toFile());
    Process local = builder.start();
    try {
      String api = awaitApiUrl(local, log);
      Path file = Files.write(dir.resolve("hello.txt"), "hello from the jar\n".getBytes());

      UplinkJar.Run upload =
          UplinkJar.run(
              Map.of(
                  CliSettings.API_URL_VARIABLE,
                  api,
                  CliSettings.API_KEY_VARIABLE,
                  UplinkLocal.DEV_API_KEY),
              "upload",
              file.toString(),
              "--container",
              "demo",
              "--path",
              "/srv/hello.txt",
              "--presigned",
              "--wait");

      assertThat(upload.exitCode()).as("upload through the jar's stack; %s", upload).isZero();
      assertThat(dataDir.resolve("instances/demo/srv/hello.txt"))
          .as("the delivered file")
          .hasSameBinaryContentAs(file);
      local.destroy();
      assertThat(local.waitFor(30, TimeUnit.SECONDS)).as("stopped within 30 s").isTrue();
      assertThat(local.exitValue()).as("exit code on SIGTERM; %s", text(log)).isZero();
    } finally {
      local.destroyForcibly();
    }
  }

  private static String awaitApiUrl(Process local, Path log) throws Exception {
    long deadline = System.nanoTime() + STARTUP.toNanos();
    while (System.nanoTime() < deadline) {
      String text = text(log);
      Matcher api = API_LINE.matcher(text);
      if (text.contains("Press Ctrl+C to stop.") && api.find()) {
        return api.group(1);
      }
      if (!local.isAlive()) {
        throw new AssertionError("uplink local exited with " + local.exitValue() + ":\n" + text);
      }
      Thread.sleep(200);
    }
    throw new AssertionError("uplink local did not start within " + STARTUP + ":\n" + text(log));
  }

  private static String text(Path log) throws IOException {
    return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
  }
}
