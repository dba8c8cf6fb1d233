package dev.uplink.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.config.AwsSettings;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.domain.Caller;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("uplink local")
class LocalBannerTest {

  private static final URI API = URI.create("http://127.0.0.1:8080");

  /** What {@code uplink local} runs with for {@code env}, its emulators on fixed ports. */
  static UplinkConfig running(Map<String, String> env) {
    UplinkConfig config = UplinkLocal.withDevelopmentKeys(UplinkConfig.fromEnvironment(env));
    return config.withAws(
        config
            .aws()
            .withEndpoints(
                URI.create("http://127.0.0.1:4566"),
                URI.create("http://127.0.0.1:9324"),
                URI.create("http://127.0.0.1:8000")));
  }

  /**
   * The variables a shell holds after running {@code lines} (only {@code export A=b C='d e'}: the
   * forms the banner prints).
   */
  static Map<String, String> sourced(List<String> lines) {
    var env = new HashMap<String, String>();
    Pattern assignment = Pattern.compile("([A-Z_][A-Z0-9_]*)=('(?:[^']|'\\\\'')*'|\\S+)");
    for (String line : lines) {
      assertThat(line).as("an export line").startsWith("export ");
      Matcher matcher = assignment.matcher(line.substring("export ".length()));
      while (matcher.find()) {
        String value = matcher.group(2);
        if (value.startsWith("'")) {
          value = value.substring(1, value.length() - 1).replace("'\\''", "'");
        }
        env.put(matcher.group(1), value);
      }
    }
    return env;
  }

  @Nested
  @DisplayName("accepts development keys")
  class DevelopmentKeys {

    @Test
    @DisplayName("an API key and an operator key when the environment sets neither")
    void both() {
      Map<String, Caller> keys = running(Map.of()).apiKeys();

      assertThat(keys).containsOnlyKeys(UplinkLocal.DEV_API_KEY, UplinkLocal.DEV_OPERATOR_KEY);
      assertThat(keys.get(UplinkLocal.DEV_API_KEY).operator()).as("the API key").isFalse();
      assertThat(keys.get(UplinkLocal.DEV_OPERATOR_KEY))
          .as("the operator key")
          .isEqualTo(Caller.operator(UplinkLocal.DEV_OPERATOR));
    }

    @Test
    @DisplayName("only the operator key when UPLINK_API_KEYS is set")
    void onlyOperator() {
      Map<String, Caller> keys = running(Map.of("UPLINK_API_KEYS", "k1=alice@*:/")).apiKeys();

      assertThat(keys).containsOnlyKeys("k1", UplinkLocal.DEV_OPERATOR_KEY);
    }

    @Test
    @DisplayName("only the API key when UPLINK_OPERATOR_KEYS is set")
    void onlyApi() {
      Map<String, Caller> keys = running(Map.of("UPLINK_OPERATOR_KEYS", "ops-1=oncall")).apiKeys();

      assertThat(keys).containsOnlyKeys("ops-1", UplinkLocal.DEV_API_KEY);
    }

    @Test
    @DisplayName("none when the environment sets both")
    void none() {
      Map<String, Caller> keys =
          running(Map.of("UPLINK_API_KEYS", "k1=alice@*:/", "UPLINK_OPERATOR_KEYS", "ops-1=oncall"))
              .apiKeys();

      assertThat(keys).containsOnlyKeys("k1", "ops-1");
    }
  }

  @Nested
  @DisplayName("prints a banner that")
  class Banner {

    @Test
    @DisplayName("shows the development keys it accepts")
    void showsDevelopmentKeys() {
      String banner = new LocalBanner(running(Map.of()), API).text();

      assertThat(banner.lines())
          .anySatisfy(
              line -> assertThat(line).startsWith("  API:           " + API + "/v1/uploads"))
          .anySatisfy(line -> assertThat(line).startsWith("  Web:           " + API + "/ "))
          .anySatisfy(line -> assertThat(line).startsWith("  API key:       local-dev-key "))
          .anySatisfy(line -> assertThat(line).startsWith("  Operator key:  local-operator-key "));
    }

    @Test
    @DisplayName("never shows keys that come from the environment")
    void hidesConfiguredKeys() {
      var config =
          running(
              Map.of(
                  "UPLINK_API_KEYS", "secret-user-key=alice@*:/",
                  "UPLINK_OPERATOR_KEYS", "secret-ops-key=oncall"));

      String banner = new LocalBanner(config, API).text();

      assertThat(banner)
          .doesNotContain("secret-user-key", "secret-ops-key", "UPLINK_API_KEY=")
          .contains(
              "API keys:      from UPLINK_API_KEYS (1 configured)",
              "Operator keys: from UPLINK_OPERATOR_KEYS (1 configured)");
    }

    @Test
    @DisplayName("prints the export lines it is made of")
    void containsTheExports() {
      var banner = new LocalBanner(running(Map.of()), API);

      assertThat(banner.text().lines().map(String::strip)).containsSubsequence(banner.exports());
    }
  }

  @Nested
  @DisplayName("prints export lines that")
  class Exports {

    @Test
    @DisplayName("read back through UplinkConfig name the same region, endpoints, queues and table")
    void roundTripThroughTheConfiguration() {
      UplinkConfig config =
          running(
              Map.of(
                  "AWS_REGION", "eu-central-1",
                  "UPLINK_QUEUE", "q-dev",
                  "UPLINK_DLQ", "q-dev-dlq",
                  "UPLINK_TABLE", "t-dev"));

      Map<String, String> shell = sourced(new LocalBanner(config, API).exports());
      AwsSettings read = UplinkConfig.fromEnvironment(shell).aws();

      AwsSettings running = config.aws();
      assertThat(read.region()).as("region").isEqualTo("eu-central-1");
      assertThat(read.sqsEndpoint()).as("SQS endpoint").isEqualTo(running.sqsEndpoint());
      assertThat(read.dynamoDbEndpoint())
          .as("DynamoDB endpoint")
          .isEqualTo(running.dynamoDbEndpoint());
      assertThat(read.queue()).as("work queue").isEqualTo("q-dev");
      assertThat(read.deadLetterQueue()).as("dead-letter queue").isEqualTo("q-dev-dlq");
      assertThat(read.table()).as("table").isEqualTo("t-dev");
    }

    @Test
    @DisplayName("carry the emulators' credentials, the API's URL and the development key")
    void credentialsAndApi() {
      Map<String, String> shell = sourced(new LocalBanner(running(Map.of()), API).exports());

      assertThat(shell)
          .containsEntry("AWS_ACCESS_KEY_ID", LocalAws.ACCESS_KEY_ID)
          .containsEntry("AWS_SECRET_ACCESS_KEY", LocalAws.SECRET_ACCESS_KEY)
          .containsEntry("UPLINK_API_URL", API.toString())
          .containsEntry("UPLINK_API_KEY", UplinkLocal.DEV_API_KEY);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
        delimiter = '|',
        quoteCharacter = '"',
        value = {
          "uplink-tasks|uplink-tasks",
          "http://127.0.0.1:9324|http://127.0.0.1:9324",
          "two words|'two words'",
          "it's|'it'\\''s'",
          "$(rm -rf /)|'$(rm -rf /)'"
        })
    @DisplayName("quote values the shell would otherwise split or expand")
    void quoting(String value, String quoted) {
      assertThat(LocalBanner.shellQuoted(value)).isEqualTo(quoted);
    }
  }
}
