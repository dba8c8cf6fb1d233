package dev.uplink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("The operators' commands (uplink dlq, uplink retry)")
class OperatorCommandsTest {

  private static final String ID = "01KAZ3V5QG7T2N4R8X6Y9B1C0D";

  /**
   * SQS and DynamoDB where nothing listens: a command that got past its checks fails with exit 1,
   * so an exit 2 proves the check came first, before any call.
   */
  private static final Map<String, String> UNREACHABLE_AWS =
      Map.of(
          "UPLINK_SQS_ENDPOINT", "http://127.0.0.1:1",
          "UPLINK_DYNAMODB_ENDPOINT", "http://127.0.0.1:1");

  private static CliRun run(String... args) {
    return CliRun.of(UNREACHABLE_AWS, args);
  }

  /** Exit 2, nothing on stdout, one line on stderr naming the mistake and where help is. */
  private static void assertUsageError(CliRun run, String expected) {
    assertThat(run.exitCode()).as("exit code of a usage error; %s", run).isEqualTo(2);
    assertThat(run.stdout()).as("stdout of a usage error").isEmpty();
    assertThat(run.stderrLines())
        .as("stderr of a usage error: one line")
        .singleElement()
        .asString()
        .startsWith("uplink: ")
        .contains(expected)
        .contains("--help");
  }

  @Nested
  @DisplayName("answer a usage error with exit 2 and one line, before any AWS call")
  class UsageErrors {

    @Test
    @DisplayName("dlq without a command")
    void dlqAlone() {
      assertUsageError(run("dlq"), "a command is required: list, show, redrive, purge");
    }

    @Test
    @DisplayName("redrive with neither --all nor ids")
    void redriveWithoutTarget() {
      assertUsageError(
          run("dlq", "redrive"), "say what to redrive: --all, or the ids of messages or tasks");
    }

    @Test
    @DisplayName("redrive with both --all and ids")
    void redriveWithBoth() {
      assertUsageError(run("dlq", "redrive", "--all", ID), "give --all or ids, not both");
    }

    @ParameterizedTest(name = "--rate {0}")
    @ValueSource(strings = {"0", "501"})
    @DisplayName("redrive with a rate out of range")
    void redriveRate(String rate) {
      assertUsageError(
          run("dlq", "redrive", "--all", "--rate", rate), "--rate must be 1 to 500 messages");
    }

    @Test
    @DisplayName("redrive with a rate that is not a number")
    void redriveRateNotANumber() {
      assertUsageError(run("dlq", "redrive", "--all", "--rate", "fast"), "'--rate'");
    }

    @ParameterizedTest(name = "dlq {0} {1}")
    @CsvSource({"redrive, a/b", "show, ../etc", "show, two words"})
    @DisplayName("an id that is neither a task id nor a message id")
    void malformedId(String command, String id) {
      assertUsageError(run("dlq", command, id), "is neither a task id nor a message id");
    }

    @Test
    @DisplayName("redrive with the same task twice, in any case")
    void repeatedId() {
      assertUsageError(
          run("dlq", "redrive", ID, ID.toLowerCase()), "The id " + ID + " is given twice");
    }

    @Test
    @DisplayName("purge without --yes")
    void purgeWithoutYes() {
      assertUsageError(run("dlq", "purge"), "purge deletes messages for good: add --yes");
    }

    @ParameterizedTest(name = "--older-than {0}")
    @ValueSource(strings = {"soon", "-5m", "5 m", "PT-1H"})
    @DisplayName("purge with an age that is not one")
    void purgeBadAge(String age) {
      assertUsageError(run("dlq", "purge", "--older-than", age, "--yes"), "--older-than: '");
    }

    @ParameterizedTest(name = "--limit {0}")
    @ValueSource(strings = {"0", "1001"})
    @DisplayName("list with a limit out of range")
    void listLimit(String limit) {
      assertUsageError(run("dlq", "list", "--limit", limit), "--limit must be 1 to 1000");
    }

    @Test
    @DisplayName("show without an id")
    void showWithoutId() {
      assertUsageError(run("dlq", "show"), "Missing required parameter: 'MSG|TASK'");
    }

    @Test
    @DisplayName("retry without an id")
    void retryWithoutId() {
      assertUsageError(run("retry"), "Missing required parameter: 'ID'");
    }

    @Test
    @DisplayName("retry of something that is not a task id, even next to one that is")
    void retryBadId() {
      assertUsageError(run("retry", ID, "42"), "'42' is not a task id");
    }

    @Test
    @DisplayName("a malformed UPLINK_* variable, named, as the services would refuse it")
    void malformedVariable() {
      assertUsageError(
          CliRun.of(Map.of("UPLINK_SQS_ENDPOINT", "localhost"), "dlq", "list"),
          "UPLINK_SQS_ENDPOINT must be an absolute URL, got 'localhost'");
    }
  }

  @Nested
  @DisplayName("fail with exit 1 and one line naming what they could not reach")
  class Failures {

    @Test
    @DisplayName("dlq list when SQS does not answer")
    void listUnreachable() {
      CliRun run = run("dlq", "list");

      assertThat(run.exitCode()).as("exit code; %s", run).isEqualTo(1);
      assertThat(run.stdout()).as("stdout").isEmpty();
      assertThat(run.stderrLines())
          .as("stderr")
          .singleElement()
          .asString()
          .startsWith(
              "uplink: cannot reach SQS or DynamoDB (SQS at http://127.0.0.1:1, DynamoDB at"
                  + " http://127.0.0.1:1): ");
    }

    @Test
    @DisplayName("retry when SQS does not answer")
    void retryUnreachable() {
      CliRun run = run("retry", ID);

      assertThat(run.exitCode()).as("exit code; %s", run).isEqualTo(1);
      assertThat(run.stderrLines())
          .as("stderr")
          .singleElement()
          .asString()
          .startsWith("uplink: cannot reach SQS or DynamoDB");
    }
  }

  @Nested
  @DisplayName("answer --help with exit 0, their exit codes and how they reach AWS")
  class Help {

    @ParameterizedTest(name = "uplink {0} --help")
    @ValueSource(strings = {"retry", "dlq list", "dlq show", "dlq redrive", "dlq purge"})
    void everyCommand(String command) {
      CliRun run = run((command + " --help").split(" "));

      assertThat(run.exitCode()).as("exit code; %s", run).isZero();
      assertThat(run.stdout())
          .startsWith("Usage: uplink " + command)
          .contains("Exit codes:", "AWS_REGION", "UPLINK_DLQ");
      assertThat(run.stderr()).isEmpty();
    }

    @Test
    @DisplayName("uplink dlq --help lists its commands")
    void dlq() {
      CliRun run = run("dlq", "--help");

      assertThat(run.exitCode()).isZero();
      assertThat(run.stdout()).contains("list", "show", "redrive", "purge");
    }
  }
}
