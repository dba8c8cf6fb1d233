package dev.uplink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code uplink api} and {@code uplink processor} refuse a wrong configuration before they start
 * anything (no socket bound, no signal handler installed, no AWS call): exit 2 and one line. Their
 * runs are {@code ServicesOnMotoIT}'s.
 */
@DisplayName("uplink api and uplink processor refuse a wrong configuration")
class ServiceCommandsTest {

  private static final String KEYS = "k1=alice@*:/";

  private static void assertConfigurationError(CliRun run, String expected) {
    assertThat(run.exitCode()).as("exit code; %s", run).isEqualTo(2);
    assertThat(run.stdout()).as("stdout").isEmpty();
    assertThat(run.stderrLines()).as("stderr: one line; %s", run).hasSize(1);
    assertThat(run.stderrLines().get(0)).startsWith("uplink: ").contains(expected);
  }

  @Test
  void apiWithAMalformedListenAddress() {
    assertConfigurationError(
        CliRun.of(Map.of("UPLINK_API_KEYS", KEYS, "UPLINK_LISTEN", "8080"), "api"),
        "UPLINK_LISTEN must be HOST:PORT");
  }

  @Test
  void apiWithBothListenAndPort() {
    assertConfigurationError(
        CliRun.of(
            Map.of(
                "UPLINK_API_KEYS", KEYS, "UPLINK_LISTEN", "127.0.0.1:9000", "UPLINK_PORT", "9000"),
            "api"),
        "UPLINK_LISTEN and UPLINK_PORT are both set");
  }

  @Test
  void apiWithoutAnyKey() {
    assertConfigurationError(CliRun.of(Map.of(), "api"), "UPLINK_API_KEYS");
  }

  @Test
  void apiWithAMalformedSetting() {
    assertConfigurationError(
        CliRun.of(Map.of("UPLINK_API_KEYS", KEYS, "UPLINK_SHUTDOWN_GRACE", "soon"), "api"),
        "UPLINK_SHUTDOWN_GRACE must be a whole number");
  }

  @Test
  void processorWithAMalformedSetting() {
    // PollerMain says why on the process's own stderr; the exit code is what a supervisor reads.
    assertThat(CliRun.of(Map.of("UPLINK_WORKERS", "many"), "processor").exitCode())
        .as("exit code")
        .isEqualTo(2);
  }

  @Test
  void bothAreListedInTheHelp() {
    CliRun help = CliRun.of(Map.of(), "--help");
    assertThat(help.stdout()).contains("  api ", "  processor ");
  }
}
