package dev.uplink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;

/**
 * The services against our in-process emulators, started as the README says: {@code uplink local
 * --emulators-only} in a process of its own, its banner's {@code export} lines all the services are
 * told about AWS. ElasticMQ moves messages, but not while a message that is no task is in the
 * dead-letter queue (a move would take it too), so that redrive goes one by one as well.
 */
@DisplayName("uplink api and uplink processor as services on uplink local --emulators-only")
class ServicesOnEmulatorsIT extends ServicesContract {

  @Override
  Aws startAws(Path dir) throws Exception {
    var environment = new HashMap<>(QUEUE_SETTINGS);
    environment.put("UPLINK_DATA_DIR", dir.resolve("data").toString());
    UplinkLocalProcess emulators =
        UplinkLocalProcess.startEmulators(
            Files.createDirectories(dir.resolve("emulators")), environment);
    Map<String, String> exported = emulators.exports();
    assertThat(exported)
        .as("the banner's export lines:%n%s", emulators.banner())
        .containsAllEntriesOf(QUEUE_SETTINGS)
        .containsKeys(
            "AWS_REGION",
            "UPLINK_S3_ENDPOINT",
            "UPLINK_SQS_ENDPOINT",
            "UPLINK_DYNAMODB_ENDPOINT",
            "UPLINK_BUCKET",
            "UPLINK_QUEUE",
            "UPLINK_DLQ",
            "UPLINK_TABLE");
    return new Aws() {
      @Override
      public Map<String, String> environment() {
        return exported;
      }

      @Override
      public void close() throws Exception {
        assertThat(emulators.stop()).as("uplink local --emulators-only on SIGTERM").isZero();
      }
    };
  }

  @Override
  String whyRedriveLoops() {
    return "the dead-letter queue also holds messages that must stay there";
  }
}
