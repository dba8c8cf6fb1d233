package dev.uplink.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.config.UplinkConfig;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("uplink local --emulators-only")
class EmulatorsBannerTest {

  private static final Map<String, String> ENVIRONMENT =
      Map.of(
          "AWS_REGION", "eu-central-1",
          "UPLINK_BUCKET", "b-dev",
          "UPLINK_QUEUE", "q-dev.fifo",
          "UPLINK_DLQ", "q-dev-dlq.fifo",
          "UPLINK_TABLE", "t-dev",
          "UPLINK_QUEUE_FIFO", "true",
          "UPLINK_MAX_RECEIVE_COUNT", "2",
          "UPLINK_VISIBILITY_TIMEOUT", "7");

  @Test
  @DisplayName(
      "prints export lines that, read back through UplinkConfig, name the same AWS, resources and"
          + " queue settings the emulators were provisioned with")
  void exportsRoundTripThroughTheConfiguration() {
    UplinkConfig running = LocalBannerTest.running(ENVIRONMENT);

    Map<String, String> shell = LocalBannerTest.sourced(new EmulatorsBanner(running).exports());
    UplinkConfig read = UplinkConfig.fromEnvironment(shell);

    assertThat(read.aws()).as("AWS settings").isEqualTo(running.aws());
    assertThat(read.maxReceiveCount()).as("receive limit").isEqualTo(2);
    assertThat(read.visibilityTimeout()).as("visibility timeout").hasSeconds(7);
    assertThat(read.processing().fifo()).as("FIFO").isTrue();
    assertThat(shell)
        .containsEntry("AWS_ACCESS_KEY_ID", LocalAws.ACCESS_KEY_ID)
        .containsEntry("AWS_SECRET_ACCESS_KEY", LocalAws.SECRET_ACCESS_KEY);
  }

  @Test
  @DisplayName("names no API, no key and no seal: it runs none of them")
  void bannerHasNoApi() {
    String text = new EmulatorsBanner(LocalBannerTest.running(Map.of())).text();

    assertThat(text)
        .contains(EmulatorsBanner.HEADING, "in-process S3 http://127.0.0.1:4566", "Press Ctrl+C")
        .doesNotContain("UPLINK_API_URL", "UPLINK_API_KEY", UplinkLocal.DEV_API_KEY, "SEAL");
    assertThat(new EmulatorsBanner(LocalBannerTest.running(Map.of())).exports())
        .as("without UPLINK_QUEUE_FIFO")
        .noneMatch(line -> line.contains("UPLINK_QUEUE_FIFO"));
  }
}
