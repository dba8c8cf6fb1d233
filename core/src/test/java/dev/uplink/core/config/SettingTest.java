package dev.uplink.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingTest {

  private static Environment environment(Map<String, String> variables) {
    return new Environment(variables, SecretSource.none());
  }

  @Test
  void anUnsetOrBlankVariableTakesTheFallback() {
    var setting = Setting.wholeNumber("N", 1, 10).orElse(3);

    assertThat(environment(Map.of()).read(setting)).isEqualTo(3);
    assertThat(environment(Map.of("N", "  ")).read(setting)).isEqualTo(3);
    assertThat(environment(Map.of("N", " 7 ")).read(setting)).isEqualTo(7);
  }

  @Test
  void aVariableMappedToNullCountsAsUnset() {
    var variables = new java.util.HashMap<String, String>();
    variables.put("N", null);

    assertThat(environment(variables).read(Setting.wholeNumber("N", 1, 10).orElse(3))).isEqualTo(3);
  }

  @Test
  void findIgnoresTheFallback() {
    assertThat(environment(Map.of()).find(Setting.wholeNumber("N", 1, 10).orElse(3))).isEmpty();
  }

  @Test
  void aRefusedTextNamesTheVariableWhatItAcceptsAndTheText() {
    assertThatThrownBy(() -> environment(Map.of("N", "11")).read(Setting.wholeNumber("N", 1, 10)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("N must be a whole number from 1 to 10, got '11'");
    assertThatThrownBy(() -> environment(Map.of("F", "maybe")).read(Setting.flag("F")))
        .hasMessage("F must be true or false, got 'maybe'");
    assertThatThrownBy(() -> environment(Map.of("U", "/relative")).read(Setting.url("U")))
        .hasMessage("U must be an absolute URL, got '/relative'");
  }

  @Test
  void aMappedSettingConvertsItsValueAndItsFallbackAlike() {
    var seconds = Setting.seconds("S", 1, 60).orElse(Duration.ofSeconds(5));

    assertThat(environment(Map.of()).read(seconds)).isEqualTo(Duration.ofSeconds(5));
    assertThat(environment(Map.of("S", "30")).read(seconds)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void flagsAndUrlsReadTheirUsualSpellings() {
    assertThat(environment(Map.of("F", "YES")).read(Setting.flag("F"))).isTrue();
    assertThat(environment(Map.of("F", "0")).read(Setting.flag("F"))).isFalse();
    assertThat(environment(Map.of("U", "http://localhost:4566")).read(Setting.url("U")))
        .isEqualTo(URI.create("http://localhost:4566"));
  }

  @Test
  void aSettingWithoutFallbackMustBeFoundNotRead() {
    assertThatThrownBy(() -> environment(Map.of()).read(Setting.text("T")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("T has no default");
  }
}
