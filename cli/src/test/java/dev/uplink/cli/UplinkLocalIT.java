package dev.uplink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.infra.UplinkLocal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code uplink local} really runs the stack from its class path of unmodified jars, {@code
 * target/local/} (the emulators' configuration files, native libraries and services included).
 */
@DisplayName("uplink local")
class UplinkLocalIT {

  @Test
  @DisplayName(
      "serves the API it prints, delivers into the directory target, and exits 0 on SIGTERM")
  void runsTheStack(@TempDir Path dir) throws Exception {
    Path dataDir = Files.createDirectories(dir.resolve("data"));
    try (var local =
        UplinkLocalProcess.start(
            dir, Map.of("UPLINK_PORT", "0", "UPLINK_DATA_DIR", dataDir.toString()))) {
      Path file = Files.write(dir.resolve("hello.txt"), "hello from the jar\n".getBytes());

      UplinkJar.Run upload =
          UplinkJar.run(
              Map.of(
                  CliSettings.API_URL_VARIABLE,
                  local.apiUrl(),
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
      assertThat(local.banner())
          .as("the banner")
          .contains("Operator key:  " + UplinkLocal.DEV_OPERATOR_KEY);
      assertThat(local.stop()).as("exit code on SIGTERM; %s", local.log()).isZero();
      assertThat(local.stdout().lines())
          .as("standard output is JSON log lines only, for jq: the banners go to standard error")
          .isNotEmpty()
          .allSatisfy(line -> assertThat(line).startsWith("{\"").endsWith("}"));
      assertThat(local.log()).contains("Initializing DynamoDB Local");
    }
  }

  @Test
  @DisplayName("listens on loopback only: the API and every emulator")
  void listensOnLoopbackOnly(@TempDir Path dir) throws Exception {
    Path dataDir = Files.createDirectories(dir.resolve("data"));
    try (var local =
        UplinkLocalProcess.start(
            dir, Map.of("UPLINK_PORT", "0", "UPLINK_DATA_DIR", dataDir.toString()))) {

      List<ListeningSockets.Listener> listeners = ListeningSockets.of(local.pid());

      assertThat(listeners)
          .as("the API, S3, SQS and DynamoDB listen (at least four sockets)")
          .hasSizeGreaterThanOrEqualTo(4);
      assertThat(listeners)
          .as("sockets uplink local listens on; none may be reachable from the network")
          .allMatch(ListeningSockets.Listener::isLoopback);
      assertThat(local.stop()).isZero();
    }
  }

  @Test
  @DisplayName("reads /proc's addresses: IPv4, IPv6 any, loopback and mapped")
  void readsProcAddresses() {
    assertThat(ListeningSockets.address("0100007F")).isEqualTo("127.0.0.1");
    assertThat(ListeningSockets.address("00000000")).isEqualTo("0.0.0.0");
    assertThat(ListeningSockets.address("00000000000000000000000000000000")).isEqualTo("::");
    assertThat(ListeningSockets.address("00000000000000000000000001000000")).isEqualTo("::1");
    assertThat(ListeningSockets.address("0000000000000000FFFF00000100007F")).isEqualTo("127.0.0.1");
  }
}
