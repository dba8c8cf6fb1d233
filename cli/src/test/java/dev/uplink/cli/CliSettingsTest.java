package dev.uplink.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("Connection settings")
class CliSettingsTest {

  private static final Map<String, String> ENV =
      Map.of(
          CliSettings.API_URL_VARIABLE, "http://api.example:9000",
          CliSettings.API_KEY_VARIABLE, "env-key");

  @Test
  @DisplayName("default to the local stack's URL and no key")
  void defaults() {
    CliSettings settings = CliSettings.resolve(Optional.empty(), Optional.empty(), Map.of());
    assertThat(settings.apiUrl()).isEqualTo(URI.create("http://127.0.0.1:8080"));
    assertThat(settings.apiKey()).isEmpty();
  }

  @Test
  @DisplayName("come from UPLINK_API_URL and UPLINK_API_KEY")
  void fromEnvironment() {
    CliSettings settings = CliSettings.resolve(Optional.empty(), Optional.empty(), ENV);
    assertThat(settings.apiUrl()).isEqualTo(URI.create("http://api.example:9000"));
    assertThat(settings.apiKey()).contains("env-key");
  }

  @Test
  @DisplayName("take --api and --api-key over the environment")
  void flagsWin() {
    CliSettings settings =
        CliSettings.resolve(Optional.of("https://other.example"), Optional.of("flag-key"), ENV);
    assertThat(settings.apiUrl()).isEqualTo(URI.create("https://other.example"));
    assertThat(settings.apiKey()).contains("flag-key");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "http://127.0.0.1:8080/v1/uploads, http://127.0.0.1:8080",
    "http://127.0.0.1:8080/v1/uploads/, http://127.0.0.1:8080",
    "http://127.0.0.1:8080/, http://127.0.0.1:8080",
    "https://x.execute-api.eu-west-1.amazonaws.com/prod, https://x.execute-api.eu-west-1.amazonaws.com/prod",
    "https://gw.example/prod/v1/uploads, https://gw.example/prod",
    "HTTP://Example.com:81, http://Example.com:81",
  })
  @DisplayName("accept the API URL as ./uplink local prints it, keeping a path prefix")
  void normalisesTheUrl(String given, String expected) {
    assertThat(CliSettings.parseApiUrl(given, "--api")).isEqualTo(URI.create(expected));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"ftp://example.com", "example.com:8080", "http://", "http://h/?q=1", "not a url"})
  @DisplayName("refuse what is not an http(s) URL with a host, naming where it came from")
  void refusesOtherUrls(String given) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> CliSettings.parseApiUrl(given, "UPLINK_API_URL"))
        .withMessageStartingWith("UPLINK_API_URL ");
  }

  @Test
  @DisplayName("never show the key, in toString or in errors")
  void keyStaysSecret() {
    CliSettings settings =
        CliSettings.resolve(Optional.empty(), Optional.of("s3cr3t-key"), Map.of());
    assertThat(settings.toString()).doesNotContain("s3cr3t").contains("apiKey=(set)");
    assertThatIllegalArgumentException()
        .isThrownBy(
            () ->
                CliSettings.resolve(
                    Optional.empty(),
                    Optional.empty(),
                    Map.of(CliSettings.API_KEY_VARIABLE, "s3cr3t\u0001key")))
        .withMessageNotContaining("s3cr3t")
        .withMessageStartingWith("UPLINK_API_KEY ");
  }

  @Test
  @DisplayName("ignore blank variables")
  void blankVariables() {
    CliSettings settings =
        CliSettings.resolve(
            Optional.empty(),
            Optional.empty(),
            Map.of(CliSettings.API_URL_VARIABLE, " ", CliSettings.API_KEY_VARIABLE, ""));
    assertThat(settings.apiUrl()).isEqualTo(CliSettings.DEFAULT_API_URL);
    assertThat(settings.apiKey()).isEmpty();
  }

  @Test
  @DisplayName("draw progress on a terminal unless TERM=dumb, or as --[no-]progress says")
  void progress() {
    var terminal = new Environment(Map.of("TERM", "xterm"), true);
    var dumb = new Environment(Map.of("TERM", "dumb"), true);
    var pipe = new Environment(Map.of(), false);
    assertThat(CliSettings.progressWanted(Optional.empty(), terminal)).as("terminal").isTrue();
    assertThat(CliSettings.progressWanted(Optional.empty(), dumb)).as("TERM=dumb").isFalse();
    assertThat(CliSettings.progressWanted(Optional.empty(), pipe)).as("not a terminal").isFalse();
    assertThat(CliSettings.progressWanted(Optional.of(true), pipe)).as("--progress").isTrue();
    assertThat(CliSettings.progressWanted(Optional.of(false), terminal))
        .as("--no-progress")
        .isFalse();
  }
}
