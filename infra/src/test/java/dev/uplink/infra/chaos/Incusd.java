package dev.uplink.infra.chaos;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Stops and starts the machine's real incusd, the way {@code .ci/install-incus.sh} runs it (no
 * systemd): SIGTERM to the daemon (it exits without touching instances), and {@code incusd --group
 * root --logfile /var/log/incus/incusd.log} again, detached with {@code setsid} so it outlives this
 * JVM, then {@code incus admin waitready}.
 *
 * <p>Whoever stops it must call {@link #ensureRunning()} in a {@code finally}; a JVM shutdown hook
 * registered by {@link #stop()} restarts it as a last resort if the test JVM is torn down first.
 */
final class Incusd {

  static final Path DAEMON = Path.of("/usr/libexec/incus/incusd");
  static final Path LOG = Path.of("/var/log/incus/incusd.log");
  static final Path STDOUT = Path.of("/var/log/incus/incusd.stdout");

  private final URI url;
  private Thread safetyNet;

  private Incusd(URI url) {
    this.url = url;
  }

  /**
   * Control over the local incusd, or a skipped test (failed under {@code CI=true}) when this
   * process cannot stop and start it (not root, no incusd binary, no {@code incus} CLI).
   */
  static Incusd require(URI url) {
    List<String> problems = new ArrayList<>();
    if (!"root".equals(System.getProperty("user.name"))) {
      problems.add("not running as root (user " + System.getProperty("user.name") + ")");
    }
    if (!Files.isExecutable(DAEMON)) {
      problems.add(DAEMON + " is missing");
    }
    if (run(Duration.ofSeconds(20), "incus", "info").exitCode() != 0) {
      problems.add("`incus info` fails: incusd is not running or the CLI is missing");
    }
    if (!problems.isEmpty()) {
      String message = "Cannot stop and start incusd here: " + String.join("; ", problems);
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        Assertions.fail("CI=true, so the incusd outage test must not skip. " + message);
      }
      Assumptions.abort(message);
    }
    return new Incusd(url);
  }

  /**
   * The daemon's process, if it runs. incusd runs helpers from the same binary ({@code incusd
   * forkfile} serves every file push into a stopped container, and outlives a killed daemon for a
   * while): only a process whose first argument is not a {@code fork*} subcommand is the daemon.
   */
  static Optional<ProcessHandle> daemon() {
    return ProcessHandle.allProcesses().filter(Incusd::isDaemon).findFirst();
  }

  private static boolean isDaemon(ProcessHandle process) {
    var info = process.info();
    boolean incusBinary =
        info.command().map(c -> c.equals(DAEMON.toString())).orElse(false)
            || info.commandLine().map(c -> c.startsWith(DAEMON.toString() + " ")).orElse(false);
    boolean helper =
        info.arguments().map(a -> a.length > 0 && a[0].startsWith("fork")).orElse(false)
            || info.commandLine().map(c -> c.contains(" fork")).orElse(false);
    return incusBinary && !helper;
  }

  /** SIGTERM to incusd; waits until it is gone (SIGKILL after 30 s). Returns the stopped pid. */
  synchronized long stop() {
    ProcessHandle daemon =
        daemon().orElseThrow(() -> new IllegalStateException("incusd is not running"));
    if (safetyNet == null) {
      safetyNet = new Thread(this::ensureRunningQuietly, "incusd-safety-net");
      Runtime.getRuntime().addShutdownHook(safetyNet);
    }
    daemon.destroy();
    try {
      daemon.onExit().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      daemon.destroyForcibly();
      daemon.onExit().orTimeout(10, TimeUnit.SECONDS).join();
    }
    return daemon.pid();
  }

  /** Starts incusd unless it answers already; then checks `incus info` and the HTTPS listener. */
  synchronized void ensureRunning() {
    if (!answers()) {
      if (daemon().isEmpty()) {
        Result started =
            run(
                Duration.ofSeconds(20),
                "sh",
                "-c",
                "setsid -f %s --group root --logfile %s >>%s 2>&1 </dev/null"
                    .formatted(DAEMON, LOG, STDOUT));
        if (started.exitCode() != 0) {
          throw new IllegalStateException("Starting incusd failed: " + started.output());
        }
      }
      Result ready = run(Duration.ofSeconds(90), "incus", "admin", "waitready", "--timeout", "60");
      if (ready.exitCode() != 0) {
        throw new IllegalStateException("incusd did not become ready: " + ready.output());
      }
    }
    Result info = run(Duration.ofSeconds(30), "incus", "info");
    if (info.exitCode() != 0) {
      throw new IllegalStateException("`incus info` fails after the restart: " + info.output());
    }
    awaitListener(Duration.ofSeconds(30));
    if (safetyNet != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(safetyNet);
      } catch (IllegalStateException e) {
        // already shutting down: the hook is running
      }
      safetyNet = null;
    }
  }

  private void ensureRunningQuietly() {
    try {
      if (!answers()) {
        System.err.println("[chaos] incusd was left stopped; starting it again");
        ensureRunning();
      }
    } catch (RuntimeException e) {
      System.err.println("[chaos] COULD NOT RESTART incusd: " + e);
    }
  }

  /** Whether `incus info` succeeds. */
  static boolean answers() {
    return run(Duration.ofSeconds(20), "incus", "info").exitCode() == 0;
  }

  private void awaitListener(Duration deadline) {
    long end = System.nanoTime() + deadline.toNanos();
    int port = url.getPort() > 0 ? url.getPort() : 8443;
    while (true) {
      try (var socket = new Socket()) {
        socket.connect(new InetSocketAddress(url.getHost(), port), 1000);
        return;
      } catch (IOException e) {
        if (System.nanoTime() > end) {
          throw new IllegalStateException("incusd's HTTPS listener " + url + " is not back", e);
        }
        ChaosSupport.sleep(Duration.ofMillis(200));
      }
    }
  }

  record Result(int exitCode, String output) {}

  static Result run(Duration timeout, String... command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      process.getOutputStream().close();
      var out = new java.io.ByteArrayOutputStream();
      Thread reader =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      process.getInputStream().transferTo(out);
                    } catch (IOException e) {
                      // the process went away
                    }
                  });
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        return new Result(-1, String.join(" ", command) + " timed out after " + timeout);
      }
      reader.join(2000);
      return new Result(process.exitValue(), out.toString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(-1, String.join(" ", command) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }
}
