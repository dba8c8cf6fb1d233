package dev.uplink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.processor.PushException;
import dev.uplink.processor.incus.IncusClient;
import dev.uplink.processor.incus.IncusTestEnvironment;
import dev.uplink.processor.incus.TcpForwarder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * The real incusd as the processes under test see it: behind a loopback port of its own, where a
 * {@link TcpForwarder} the test opens ({@link #mend()}) and closes ({@link #cut()}) makes Incus
 * answer or refuse, and a directory of this run's own in the test instance, removed with everything
 * in it on {@link #close()}. Starts cut: nothing listens on the port until {@link #mend()}.
 */
final class ForwardedIncus implements AutoCloseable {

  private final IncusTestEnvironment incus;
  private final IncusClient client;
  private final InetSocketAddress incusd;
  private final int port;
  private final String root;
  private TcpForwarder forwarder;

  private ForwardedIncus(IncusTestEnvironment incus, int port, String root) {
    this.incus = incus;
    this.client = new IncusClient(incus.settings());
    this.incusd = new InetSocketAddress(incus.url().getHost(), incus.url().getPort());
    this.port = port;
    this.root = root;
  }

  /**
   * The reachable incusd behind a free port, with a fresh directory {@code /srv/NAME-RANDOM} (not
   * created: the first push makes it).
   *
   * @throws org.opentest4j.TestAbortedException where no incusd is reachable (under {@code CI=true}
   *     the test fails instead, see {@link IncusTestEnvironment#require()})
   */
  static ForwardedIncus require(String name) throws IOException {
    IncusTestEnvironment incus = IncusTestEnvironment.require();
    byte[] suffix = new byte[6];
    new Random().nextBytes(suffix);
    return new ForwardedIncus(
        incus, TcpForwarder.freePort(), "/srv/" + name + "-" + HexFormat.of().formatHex(suffix));
  }

  /** The test instance. */
  String instance() {
    return incus.instance();
  }

  /** This run's directory in the instance. */
  String root() {
    return root;
  }

  /** {@code name} in this run's directory. */
  String path(String name) {
    return root + "/" + name;
  }

  /** Where the processes under test find Incus: the forwarded port. */
  URI url() {
    return URI.create("https://127.0.0.1:" + port);
  }

  /**
   * The four variables that point a process at Incus through the forwarded port: {@code
   * UPLINK_INCUS_URL} and the client certificate, its key and the pinned server certificate.
   */
  Map<String, String> environment() {
    return Map.of(
        "UPLINK_INCUS_URL", url().toString(),
        "UPLINK_INCUS_CERT", incus.clientCert().toString(),
        "UPLINK_INCUS_KEY", incus.clientKey().toString(),
        "UPLINK_INCUS_SERVER_CERT", incus.serverCert().toString());
  }

  /** Incus answers again: the port forwards to incusd. Nothing when it already does. */
  synchronized void mend() throws IOException {
    if (forwarder == null) {
      forwarder = TcpForwarder.start(port, incusd);
    }
  }

  /** Incus is unreachable: connections to the port are refused, open ones cut. */
  synchronized void cut() throws IOException {
    if (forwarder != null) {
      forwarder.close();
      forwarder = null;
    }
  }

  /** What the instance holds at {@code path}, read through incusd itself, not the forwarder. */
  byte[] read(String path) throws PushException {
    return client.readFile(incus.instance(), path);
  }

  /** The file in the instance at {@code path} is {@code file}, byte for byte. */
  void assertHolds(String path, Path file) throws IOException, PushException {
    assertThat(read(path)).as("%s in the instance", path).isEqualTo(Files.readAllBytes(file));
  }

  /** Where this run's directory lies on this host, when the storage pool is readable here. */
  Optional<Path> hostRoot() {
    return incus.hostPath(root);
  }

  /** Closes the forwarder and removes this run's directory from the instance. */
  @Override
  public void close() throws IOException {
    try {
      cut();
      incus.deleteTree(client, root);
    } finally {
      client.close();
    }
  }
}
