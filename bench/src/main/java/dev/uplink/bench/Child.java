package dev.uplink.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A process of the harness (a JVM on the bench classpath, or any command), its stdout and stderr in
 * one log file. Children announce readiness with a line {@code BENCH-READY ...}.
 */
final class Child implements AutoCloseable {

  static final Pattern READY = Pattern.compile("BENCH-READY ?(.*)");

  private final String name;
  private final Process process;
  private final Path log;
  private final Instant started;

  private Child(String name, Process process, Path log, Instant started) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.started = started;
  }

  /** The {@code java} running the harness (a JDK 21+, chosen by bench/run). */
  static String javaBinary() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /**
   * A JVM running {@code mainClass} on {@code classpath}. With {@code BENCH_JFR} set to name
   * prefixes (e.g. {@code poller,api}), every child whose name starts with it records a JFR profile
   * next to its log ({@code NAME.jfr}, written when it exits): how the figures were profiled.
   */
  static Child jvm(
      String name,
      String classpath,
      List<String> jvmArgs,
      String mainClass,
      List<String> args,
      Map<String, String> env,
      Path log) {
    List<String> command = new ArrayList<>();
    command.add(javaBinary());
    command.addAll(jvmArgs);
    String profiled = System.getenv().getOrDefault("BENCH_JFR", "");
    if (!profiled.isBlank() && List.of(profiled.split(",")).stream().anyMatch(name::startsWith)) {
      String file = log.toString().replaceFirst("\\.log$", "") + ".jfr";
      command.add("-XX:StartFlightRecording=settings=profile,dumponexit=true,filename=" + file);
    }
    command.add("-cp");
    command.add(classpath);
    command.add(mainClass);
    command.addAll(args);
    return start(name, command, env, log);
  }

  static Child start(String name, List<String> command, Map<String, String> env, Path log) {
    var builder = new ProcessBuilder(command);
    Map<String, String> environment = builder.environment();
    environment.keySet().removeIf(v -> v.startsWith("UPLINK_") || v.startsWith("AWS_"));
    environment.putAll(env);
    builder.redirectErrorStream(true).redirectOutput(log.toFile());
    try {
      Instant started = Instant.now();
      return new Child(name, builder.start(), log, started);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start " + name + ": " + command, e);
    }
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  /** When {@link ProcessBuilder#start()} was called (wall clock). */
  Instant started() {
    return started;
  }

  Path log() {
    return log;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  String output() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String tail(int lines) {
    String[] all = output().split("\r?\n");
    int from = Math.max(0, all.length - lines);
    return "--- last lines of "
        + name
        + " ("
        + log
        + ") ---\n"
        + String.join("\n", List.of(all).subList(from, all.length));
  }

  /** Waits for a line matching {@code pattern}; returns the match. */
  Matcher await(Pattern pattern, Duration timeout) {
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      Matcher m = pattern.matcher(output());
      if (m.find()) {
        return m;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException(
            name
                + " exited ("
                + process.exitValue()
                + ") before printing "
                + pattern
                + "\n"
                + tail(40));
      }
      if (System.nanoTime() > end) {
        throw new IllegalStateException(
            name + " did not print " + pattern + " within " + timeout + "\n" + tail(40));
      }
      Sleep.millis(20);
    }
  }

  /** The {@code BENCH-READY} line's {@code key=value} words. */
  Map<String, String> awaitReady(Duration timeout) {
    Matcher m = await(READY, timeout);
    Map<String, String> values = new LinkedHashMap<>();
    for (String word : m.group(1).trim().split("\\s+")) {
      int eq = word.indexOf('=');
      if (eq > 0) {
        values.put(word.substring(0, eq), word.substring(eq + 1));
      }
    }
    return values;
  }

  int waitFor(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(name + " still runs after " + timeout + "\n" + tail(40));
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The process's peak resident set size ({@code VmHWM}), in bytes. */
  long peakRssBytes() {
    return ProcStatus.kilobytes(process.pid(), "VmHWM") * 1024;
  }

  /** SIGTERM, SIGKILL after 15 s. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(15, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
