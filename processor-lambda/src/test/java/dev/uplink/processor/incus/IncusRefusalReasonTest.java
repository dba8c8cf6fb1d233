package dev.uplink.processor.incus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.processor.FailureClassifier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Incus's SFTP server puts the path before the filesystem's reason ({@code open PATH: REASON}):
 * only the reason decides whether a refusal is permanent, whatever words the path holds.
 */
class IncusRefusalReasonTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "open /srv/a/.uplink-X-1.tmp: file name too long | file name too long | true",
        "mkdir /srv/ro: read-only file system | read-only file system | true",
        "rename /srv/.uplink-X-1.tmp /srv/a: is a directory | is a directory | true",
        "open /srv/permission denied/a: no space left on device | no space left on device | false",
        "open /srv/read-only file system: input/output error | input/output error | false",
        "failure | failure | false"
      })
  void givenAnSftpServerMessage_whenJudged_thenOnlyItsReasonCounts(
      String serverMessage, String reason, boolean permanent) {
    assertThat(IncusClient.reasonAlone(serverMessage)).isEqualTo(reason);
    assertThat(FailureClassifier.isPermanentRefusal(IncusClient.reasonAlone(serverMessage)))
        .isEqualTo(permanent);
  }
}
