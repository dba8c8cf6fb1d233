package dev.uplink.processor.incus;

import dev.uplink.core.config.IncusSettings;
import dev.uplink.processor.PushException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Where the test incusd is (as set up by {@code .ci/install-incus.sh}), and whether tests can use
 * it. Self-contained (JUnit and core's {@link IncusSettings} only), so other modules can copy it.
 *
 * <ul>
 *   <li>{@code UPLINK_TEST_INCUS_URL}, default {@code https://127.0.0.1:8443}
 *   <li>{@code UPLINK_TEST_CERT_DIR}, default {@code /var/lib/uplink-test}: {@code client.crt},
 *       {@code client.key} (trusted by incusd) and {@code server.crt} (the certificate to pin)
 *   <li>{@code UPLINK_TEST_INSTANCE}, default {@code uplink-test}: an existing instance (it may be
 *       stopped: file push works into a stopped container)
 *   <li>{@code UPLINK_TEST_PROJECT}, default {@code uplink-test-other}: a second Incus project
 *       holding an instance of the same name ({@link #requireOtherProject})
 * </ul>
 *
 * <p>When incusd is unreachable or the certificates are missing, {@link #require()} skips the test
 * with the reason, except under {@code CI=true}, where it fails: in CI these tests must never
 * silently skip.
 */
public final class IncusTestEnvironment {

  private static final int CONNECT_TIMEOUT_MILLIS = 2_000;

  private static final String DEFAULT_SOCKET = "/var/lib/incus/unix.socket";
  private static final String DEFAULT_POOL_DIR = "/var/lib/incus/storage-pools/default";

  private final URI url;
  private final Path certDir;
  private final String instance;
  private final Map<String, String> environment;

  private IncusTestEnvironment(
      URI url, Path certDir, String instance, Map<String, String> environment) {
    this.url = url;
    this.certDir = certDir;
    this.instance = instance;
    this.environment = environment;
  }

  /** The environment, or a skipped (failed, under CI) test saying what is missing. */
  public static IncusTestEnvironment require() {
    return require(System.getenv());
  }

  static IncusTestEnvironment require(Map<String, String> env) {
    var found =
        new IncusTestEnvironment(
            URI.create(env.getOrDefault("UPLINK_TEST_INCUS_URL", "https://127.0.0.1:8443")),
            Path.of(env.getOrDefault("UPLINK_TEST_CERT_DIR", "/var/lib/uplink-test")),
            env.getOrDefault("UPLINK_TEST_INSTANCE", "uplink-test"),
            Map.copyOf(env));
    List<String> problems = found.problems();
    if (!problems.isEmpty()) {
      String message =
          "No usable test incusd (run .ci/install-incus.sh as root): "
              + String.join("; ", problems);
      if ("true".equalsIgnoreCase(env.get("CI"))) {
        Assertions.fail("CI=true, so Incus tests must not skip. " + message);
      }
      Assumptions.abort(message);
    }
    return found;
  }

  private List<String> problems() {
    List<String> problems = new ArrayList<>();
    for (Path file : List.of(clientCert(), clientKey(), serverCert())) {
      if (!Files.isReadable(file)) {
        problems.add(file + " is missing or unreadable");
      }
    }
    String host = url.getHost();
    int port = url.getPort() > 0 ? url.getPort() : 8443;
    try (var socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
    } catch (IOException e) {
      problems.add("incusd is not reachable at " + host + ":" + port + " (" + e.getMessage() + ")");
    }
    return problems;
  }

  public URI url() {
    return url;
  }

  public Path certDir() {
    return certDir;
  }

  public String instance() {
    return instance;
  }

  public Path clientCert() {
    return certDir.resolve("client.crt");
  }

  public Path clientKey() {
    return certDir.resolve("client.key");
  }

  public Path serverCert() {
    return certDir.resolve("server.crt");
  }

  /** Settings for the trusted client and the real server certificate. */
  public IncusSettings settings() {
    return new IncusSettings(url, clientCert(), clientKey(), serverCert());
  }

  /**
   * The same incusd through its local unix socket ({@code UPLINK_TEST_INCUS_SOCKET}, default {@code
   * /var/lib/incus/unix.socket}; root only). Skips (fails under {@code CI=true}) when the socket is
   * not there or not writable.
   */
  public IncusSettings unixSocketSettings() {
    Path socket = Path.of(environment.getOrDefault("UPLINK_TEST_INCUS_SOCKET", DEFAULT_SOCKET));
    if (!Files.exists(socket) || !Files.isWritable(socket)) {
      String message =
          "The incusd unix socket " + socket + " is missing or not writable (run as root)";
      if ("true".equalsIgnoreCase(environment.get("CI"))) {
        Assertions.fail("CI=true, so Incus tests must not skip. " + message);
      }
      Assumptions.abort(message);
    }
    return IncusSettings.unixSocket(socket);
  }

  /**
   * Where {@code path} of the instance lies on this host (the dir storage pool's rootfs), to watch
   * files from outside Incus; empty when that is not readable here.
   */
  public Optional<Path> hostPath(String path) {
    Path rootfs =
        Path.of(
            environment.getOrDefault("UPLINK_TEST_INCUS_POOL_DIR", DEFAULT_POOL_DIR),
            "containers",
            instance,
            "rootfs");
    return Files.isDirectory(rootfs)
        ? Optional.of(rootfs.resolve(path.substring(1)))
        : Optional.empty();
  }

  /**
   * The same credentials and pinned certificate, at a loopback port where nothing listens: an Incus
   * host that is down.
   */
  public IncusSettings unreachableSettings() {
    int port;
    try (var socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new IncusSettings(
        URI.create("https://127.0.0.1:" + port), clientCert(), clientKey(), serverCert());
  }

  /**
   * The instance of the same name in the second project, once {@code client} found it there; a
   * skipped (failed, under CI) test otherwise.
   */
  public IncusInstance requireOtherProject(IncusClient client) {
    var other =
        new IncusInstance(
            environment.getOrDefault("UPLINK_TEST_PROJECT", "uplink-test-other"), instance);
    try {
      client.stat(other, "/");
    } catch (PushException e) {
      String message =
          "No instance "
              + other
              + " on the test incusd (run .ci/install-incus.sh as root): "
              + e.getMessage();
      if ("true".equalsIgnoreCase(environment.get("CI"))) {
        Assertions.fail("CI=true, so Incus tests must not skip. " + message);
      }
      Assumptions.abort(message);
    }
    return other;
  }

  /**
   * Removes {@code path} from the instance through {@code client}, a directory with everything in
   * it, deepest entries first; nothing when it does not exist.
   */
  public void deleteTree(IncusClient client, String path) {
    deleteTree(client, IncusInstance.of(instance), path);
  }

  /** {@link #deleteTree(IncusClient, String)} in any instance. */
  public void deleteTree(IncusClient client, IncusInstance instance, String path) {
    try {
      Optional<IncusFileInfo> info = client.stat(instance, path);
      if (info.isEmpty()) {
        return;
      }
      if (info.get().isDirectory()) {
        for (String name : client.listDirectory(instance, path)) {
          deleteTree(client, instance, path + "/" + name);
        }
      }
      client.delete(instance, path);
    } catch (PushException e) {
      throw new IllegalStateException(
          "deleting " + instance + ":" + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * A fresh directory path inside the instance, e.g. {@code /srv/test-1a2b3c4d5e6f} (not created).
   */
  public static String uniqueDirectory() {
    byte[] random = new byte[6];
    ThreadLocalRandom.current().nextBytes(random);
    return "/srv/test-" + HexFormat.of().formatHex(random);
  }

  /** Runs openssl (present wherever install-incus.sh ran) and fails the test if it fails. */
  public static void openssl(Path workDir, String... args) {
    List<String> command = new ArrayList<>();
    command.add("openssl");
    command.addAll(List.of(args));
    try {
      Process process =
          new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes());
      if (process.waitFor() != 0) {
        Assertions.fail(String.join(" ", command) + " failed: " + output);
      }
    } catch (IOException e) {
      Assertions.fail("Cannot run openssl: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      Assertions.fail("Interrupted while running openssl");
    }
  }

  /** A fresh self-signed EC P-384 certificate and key (PKCS#8) in {@code dir}, as NAME.crt/.key. */
  public static void selfSignedCertificate(Path dir, String name) {
    openssl(
        dir,
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:secp384r1",
        "-nodes",
        "-keyout",
        name + ".key",
        "-out",
        name + ".crt",
        "-days",
        "1",
        "-subj",
        "/CN=" + name);
  }
}
