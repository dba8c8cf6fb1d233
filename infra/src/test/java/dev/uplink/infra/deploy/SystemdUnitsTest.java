package dev.uplink.infra.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.uplink.core.config.UplinkConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The systemd units in {@code deploy/systemd} run {@code uplink api} and {@code uplink processor}
 * as hardened services: read as systemd reads them ({@code systemd-analyze verify}, and its offline
 * exposure score), and option by option. {@code systemd-analyze} is skipped with a message where it
 * is not installed, except under {@code CI=true}, where it must run.
 */
class SystemdUnitsTest {

  private static final Path UNITS = Path.of("..", "deploy", "systemd");
  private static final Path API = UNITS.resolve("uplink-api.service");
  private static final Path PROCESSOR = UNITS.resolve("uplink-processor.service");

  /** systemd's own scale: 0 is fully locked down, 10 unprotected; "OK" is below 2. */
  private static final String MOST_EXPOSURE = "1.9";

  abstract class EveryUnit {

    abstract Path file();

    abstract String command();

    Map<String, List<String>> service() throws IOException {
      return section(file(), "Service");
    }

    @Test
    void runsTheUplinkJarWithItsCommand() throws IOException {
      assertThat(service().get("ExecStart"))
          .containsExactly(
              "/usr/bin/java -XX:+ExitOnOutOfMemoryError -jar /opt/uplink/uplink.jar " + command());
    }

    @Test
    void runsAsAnUnprivilegedUserOfItsOwnWithNoCapabilities() throws IOException {
      var service = service();
      assertThat(service.get("DynamicUser")).containsExactly("yes");
      assertThat(service).doesNotContainKey("User");
      assertThat(service.get("CapabilityBoundingSet")).containsExactly("");
      assertThat(service.get("NoNewPrivileges")).containsExactly("yes");
    }

    @Test
    void seesTheSystemReadOnlyNoHomesAndATmpOfItsOwn() throws IOException {
      var service = service();
      assertThat(service.get("ProtectSystem")).containsExactly("strict");
      assertThat(service.get("ProtectHome")).containsExactly("yes");
      assertThat(service.get("PrivateTmp")).containsExactly("yes");
      assertThat(service.get("PrivateDevices")).containsExactly("yes");
      assertThat(service).doesNotContainKeys("ReadWritePaths", "StateDirectory");
    }

    @Test
    void mayOpenOnlyInternetAndLocalSockets() throws IOException {
      assertThat(service().get("RestrictAddressFamilies"))
          .containsExactly("AF_INET AF_INET6 AF_UNIX");
    }

    @Test
    void takesItsSettingsFromARootOnlyEnvironmentFile() throws IOException {
      assertThat(service().get("EnvironmentFile"))
          .containsExactly("/etc/uplink/" + command() + ".env");
      assertThat(Files.readString(file()))
          .as("the install steps make it 0600 root:root")
          .contains(
              "-m 0600 -o root -g root " + command() + ".env /etc/uplink/" + command() + ".env");
      Path example = UNITS.resolve(command() + ".env.example");
      assertThat(Files.readString(example)).contains("install -m 0600 -o root -g root");
    }

    @Test
    void restartsOnFailureButNotOnABadConfiguration() throws IOException {
      var service = service();
      assertThat(service.get("Restart")).containsExactly("on-failure");
      assertThat(service.get("RestartPreventExitStatus")).containsExactly("2");
    }

    @Test
    void waitsLongerForAStopThanTheShutdownGrace() throws IOException {
      Duration grace = UplinkConfig.fromEnvironment(Map.of()).processing().shutdownGrace();
      long timeout = Long.parseLong(service().get("TimeoutStopSec").get(0));
      assertThat(Duration.ofSeconds(timeout))
          .as("TimeoutStopSec against the default UPLINK_SHUTDOWN_GRACE (%s)", grace)
          .isGreaterThan(grace.plusSeconds(20));
    }

    @Test
    void startsWithTheMachine() throws IOException {
      assertThat(section(file(), "Install").get("WantedBy")).containsExactly("multi-user.target");
    }
  }

  @Nested
  class TheApiUnit extends EveryUnit {
    @Override
    Path file() {
      return API;
    }

    @Override
    String command() {
      return "api";
    }

    @Test
    void belongsToNoGroupBeyondItsOwn() throws IOException {
      assertThat(service()).doesNotContainKey("SupplementaryGroups");
    }
  }

  @Nested
  class TheProcessorUnit extends EveryUnit {
    @Override
    Path file() {
      return PROCESSOR;
    }

    @Override
    String command() {
      return "processor";
    }

    @Test
    void mayConnectToIncussLocalSocketThroughItsGroup() throws IOException {
      assertThat(service().get("SupplementaryGroups")).containsExactly("incus-admin");
      assertThat(Files.readString(UNITS.resolve("processor.env.example")))
          .contains("UPLINK_INCUS_URL=unix:///var/lib/incus/unix.socket");
    }

    @Test
    void startsAfterIncus() throws IOException {
      assertThat(String.join(" ", section(PROCESSOR, "Unit").get("After")))
          .contains("incus.service", "network-online.target");
    }
  }

  @Nested
  class SystemdItself {

    @Test
    void findsNothingToSayAboutEitherUnit() throws Exception {
      var verify = systemdAnalyze("verify", API.toString(), PROCESSOR.toString());
      assertThat(verify.output()).as("systemd-analyze verify's findings").isEmpty();
      assertThat(verify.exitCode()).isZero();
    }

    @Test
    void ratesBothUnitsOkOnItsExposureScale() throws Exception {
      for (Path unit : List.of(API, PROCESSOR)) {
        var security =
            systemdAnalyze(
                "security",
                "--offline=true",
                "--threshold=" + MOST_EXPOSURE.replace(".", ""),
                unit.toString());
        assertThat(security.exitCode())
            .as("%s's exposure, at most %s:%n%s", unit, MOST_EXPOSURE, security.output())
            .isZero();
      }
    }

    private record Run(int exitCode, String output) {}

    private Run systemdAnalyze(String... arguments) throws Exception {
      var command = new ArrayList<>(List.of("systemd-analyze"));
      command.addAll(List.of(arguments));
      Process process;
      try {
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
      } catch (IOException e) {
        assumeThat("true".equals(System.getenv("CI")))
            .as("systemd-analyze is not installed (apt-get install systemd): %s", e.getMessage())
            .isTrue();
        throw e;
      }
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("systemd-analyze finished").isTrue();
      return new Run(process.exitValue(), output.strip());
    }
  }

  /** The options of one section, each with its values in file order (systemd allows repeats). */
  private static Map<String, List<String>> section(Path unit, String name) throws IOException {
    var options = new LinkedHashMap<String, List<String>>();
    String current = null;
    for (String line : Files.readAllLines(unit)) {
      String text = line.strip();
      if (text.isEmpty() || text.startsWith("#") || text.startsWith(";")) {
        continue;
      }
      if (text.startsWith("[")) {
        current = text.substring(1, text.length() - 1);
        continue;
      }
      int equals = text.indexOf('=');
      if (name.equals(current) && equals > 0) {
        options
            .computeIfAbsent(text.substring(0, equals), k -> new ArrayList<>())
            .add(text.substring(equals + 1));
      }
    }
    assertThat(options).as("%s has a [%s] section", unit, name).isNotEmpty();
    return options;
  }

  @Test
  void theUnitsAreTheOnlyOnesAndBothAreThere() throws IOException {
    try (var files = Files.list(UNITS)) {
      assertThat(files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".service")))
          .containsExactlyInAnyOrderElementsOf(
              Set.of("uplink-api.service", "uplink-processor.service"));
    }
  }
}
