package dev.uplink.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** Runs {@code curl} and reads back its status, transfer time and answer. */
final class Curl {

  /** What one transfer took: HTTP status, curl's {@code time_total} in seconds, the answer. */
  record Result(int status, double seconds, long uploaded, String body) {}

  private Curl() {}

  static Result run(List<String> arguments, Path bodyFile) {
    List<String> command = new ArrayList<>();
    command.add("curl");
    command.add("-sS");
    command.add("-o");
    command.add(bodyFile.toString());
    command.add("-w");
    command.add("%{http_code} %{time_total} %{size_upload}");
    command.addAll(arguments);
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(10, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IllegalStateException("curl did not finish: " + command);
      }
      String[] words = out.trim().split("\\s+");
      if (process.exitValue() != 0 || words.length < 3) {
        throw new IllegalStateException("curl failed (" + process.exitValue() + "): " + out);
      }
      int n = words.length;
      String body = Files.exists(bodyFile) ? Files.readString(bodyFile) : "";
      return new Result(
          Integer.parseInt(words[n - 3]),
          Double.parseDouble(words[n - 2].replace(',', '.')),
          Long.parseLong(words[n - 1]),
          body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String version() {
    try {
      Process process = new ProcessBuilder("curl", "--version").redirectErrorStream(true).start();
      String first =
          new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
              .lines()
              .findFirst()
              .orElse("curl");
      process.waitFor();
      String[] words = first.split(" ");
      return words.length > 4
          ? String.join(" ", words[0], words[1], words[3], words[4]).toLowerCase(Locale.ROOT)
          : first;
    } catch (IOException e) {
      return "curl (version unknown)";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "curl";
    }
  }
}
