package dev.uplink.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar uplink.jar api} or {@code processor} as a process of its own, as systemd or a
 * container runtime would run it: the given environment only (no inherited {@code UPLINK_*} or
 * {@code AWS_*}), its standard output (the JSON log lines) and standard error in files, started
 * once its {@code /healthz} answers 200, stopped with SIGTERM.
 */
final class ServiceProcess implements AutoCloseable {

  private static final Duration STARTUP = Duration.ofSeconds(60);

  private final String name;
  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private ServiceProcess(String name, Process process, Path stdout, Path stderr) {
    this.name = name;
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /**
   * Starts {@code uplink COMMAND} in {@code dir} with {@code environment} and returns once {@code
   * health} answers 200.
   */
  static ServiceProcess start(String command, Path dir, Map<String, String> environment, URI health)
      throws Exception {
    Files.createDirectories(dir);
    List<String> line =
        new ArrayList<>(List.of(UplinkJar.java().toString(), "-jar", UplinkJar.JAR.toString()));
    line.add(command);
    var builder = new ProcessBuilder(line).directory(dir.toFile());
    UplinkJar.scrub(builder.environment());
    builder.environment().putAll(environment);
    int run = 1;
    while (Files.exists(dir.resolve(command + "-" + run + ".out"))) {
      run++;
    }
    Path out = dir.resolve(command + "-" + run + ".out");
    Path err = dir.resolve(command + "-" + run + ".err");
    builder.redirectOutput(out.toFile()).redirectError(err.toFile());
    var service = new ServiceProcess(command, builder.start(), out, err);
    try {
      service.awaitHealthy(health);
    } catch (Exception | AssertionError e) {
      service.close();
      throw e;
    }
    return service;
  }

  private void awaitHealthy(URI health) throws Exception {
    long deadline = System.nanoTime() + STARTUP.toNanos();
    try (HttpClient http = HttpClient.newHttpClient()) {
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new AssertionError(
              "uplink " + name + " exited with " + process.exitValue() + ":\n" + output());
        }
        try {
          var response =
              http.send(
                  HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).build(),
                  HttpResponse.BodyHandlers.discarding());
          if (response.statusCode() == 200) {
            return;
          }
        } catch (IOException notYet) {
          // not listening yet
        }
        Thread.sleep(200);
      }
    }
    throw new AssertionError("uplink " + name + " was not healthy within " + STARTUP + output());
  }

  /** Sends SIGTERM and returns the exit code (killed, and failed, after 30 s). */
  int stop() throws Exception {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("uplink " + name + " did not stop within 30 s:\n" + output());
    }
    return process.exitValue();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Standard output (the log lines), then standard error. */
  String output() throws IOException {
    return "\n--- stdout of uplink "
        + name
        + " ---\n"
        + read(stdout)
        + "--- stderr ---\n"
        + read(stderr);
  }

  /** What it printed on standard output: its log lines. */
  String stdout() throws IOException {
    return read(stdout);
  }

  /** What it printed on standard error. */
  String stderr() throws IOException {
    return read(stderr);
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }

  private static String read(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
  }
}
