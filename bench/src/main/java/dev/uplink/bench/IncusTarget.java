package dev.uplink.bench;

import dev.uplink.core.config.IncusSettings;
import dev.uplink.processor.PushException;
import dev.uplink.processor.incus.IncusClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The Incus server and instance the harness pushes into (the test incusd by default; {@code
 * UPLINK_TEST_INCUS_URL}, {@code UPLINK_TEST_CERT_DIR} and {@code UPLINK_TEST_INSTANCE} name
 * another), with the harness's own client for setting up and cleaning its directories.
 */
final class IncusTarget implements AutoCloseable {

  private final IncusSettings settings;
  private final String instance;
  private final IncusClient client;

  private IncusTarget(IncusSettings settings, String instance) {
    this.settings = settings;
    this.instance = instance;
    this.client = new IncusClient(settings);
  }

  /** The target the environment names; returns once it answers (see {@link #awaitReady()}). */
  static IncusTarget fromEnvironment() {
    Map<String, String> env = System.getenv();
    URI url = URI.create(env.getOrDefault("UPLINK_TEST_INCUS_URL", "https://127.0.0.1:8443"));
    Path certs = Path.of(env.getOrDefault("UPLINK_TEST_CERT_DIR", "/var/lib/uplink-test"));
    var target =
        new IncusTarget(
            new IncusSettings(
                url,
                certs.resolve("client.crt"),
                certs.resolve("client.key"),
                certs.resolve("server.crt")),
            env.getOrDefault("UPLINK_TEST_INSTANCE", "uplink-test"));
    target.awaitReady();
    return target;
  }

  /** The local Incus socket ({@code UPLINK_TEST_INCUS_SOCKET}, else Incus's default path). */
  static Path localSocket() {
    return Path.of(
        System.getenv().getOrDefault("UPLINK_TEST_INCUS_SOCKET", "/var/lib/incus/unix.socket"));
  }

  IncusSettings settings() {
    return settings;
  }

  String instance() {
    return instance;
  }

  IncusClient client() {
    return client;
  }

  /**
   * Runs one measurement; if it fails, waits until Incus answers again (other builds on this
   * machine stop and start incusd in their chaos tests), runs {@code reset} and tries again, at
   * most three times in all.
   */
  <T> T measure(String what, Supplier<T> action, Runnable reset) {
    for (int attempt = 1; ; attempt++) {
      awaitReady();
      try {
        return action.get();
      } catch (RuntimeException e) {
        if (attempt >= 3) {
          throw e;
        }
        String message = String.valueOf(e.getMessage());
        Bench.log(
            "%s failed (%s); trying again once Incus answers",
            what, message.lines().findFirst().orElse(message));
        Sleep.millis(2000);
        awaitReady();
        reset.run();
      }
    }
  }

  /** Waits (up to 10 minutes) until Incus answers {@code GET /1.0} and trusts us. */
  void awaitReady() {
    long end = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    boolean said = false;
    while (true) {
      try {
        client.checkReady();
        if (said) {
          Bench.log("Incus answers again");
        }
        return;
      } catch (PushException e) {
        if (System.nanoTime() > end) {
          throw new IllegalStateException("Incus did not come back: " + e.getMessage(), e);
        }
        if (!said) {
          Bench.log("waiting for Incus: %s", e.getMessage());
          said = true;
        }
        Sleep.millis(1000);
      }
    }
  }

  /** Creates {@code path} and its missing parents in the instance. */
  void mkdirs(String path) {
    StringBuilder at = new StringBuilder();
    for (String part : path.substring(1).split("/")) {
      at.append('/').append(part);
      try {
        if (client.stat(instance, at.toString()).isEmpty()) {
          client.createDirectory(instance, at.toString(), 0755, 0, 0);
        }
      } catch (PushException e) {
        throw new IllegalStateException("Cannot create " + at + " in " + instance, e);
      }
    }
  }

  /** Deletes a directory of the instance and everything in it (32 deletes at a time). */
  void deleteTree(String path) {
    try {
      if (client.stat(instance, path).isEmpty()) {
        return;
      }
      List<String> children = new ArrayList<>();
      for (String name : client.listDirectory(instance, path)) {
        children.add(path + "/" + name.substring(name.lastIndexOf('/') + 1));
      }
      Parallel.forEach(
          32,
          children,
          child -> {
            try {
              client.delete(instance, child);
            } catch (PushException e) {
              // Not empty: a directory.
              deleteTree(child);
            }
          });
      client.delete(instance, path);
    } catch (PushException e) {
      throw new IllegalStateException("Cannot delete " + path + " in " + instance, e);
    }
  }

  /** Deletes these files of the instance, 32 at a time. */
  void deleteFiles(List<String> paths) {
    Parallel.forEach(
        32,
        paths,
        path -> {
          try {
            client.delete(instance, path);
          } catch (PushException e) {
            throw new IllegalStateException("Cannot delete " + path, e);
          }
        });
  }

  @Override
  public void close() {
    client.close();
  }
}
