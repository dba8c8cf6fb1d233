package dev.uplink.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("An age on the command line (--older-than)")
class AgesTest {

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource({
    "45s, PT45S",
    "30m, PT30M",
    "12h, PT12H",
    "7d, PT168H",
    "7D, PT168H",
    "' 2h ', PT2H",
    "0s, PT0S",
    "PT12H, PT12H",
    "pt90m, PT1H30M",
    "P1D, PT24H"
  })
  @DisplayName("is a number with s, m, h or d, or ISO-8601")
  void parses(String text, String expected) {
    assertThat(Ages.parse(text)).isEqualTo(Duration.parse(expected));
  }

  @ParameterizedTest(name = "[{0}]")
  @ValueSource(strings = {"", "soon", "5", "5 m", "5w", "-5m", "m5", "1.5h"})
  @DisplayName("is refused, with the forms it may take, when it is none")
  void refusesOthers(String text) {
    assertThatThrownBy(() -> Ages.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not an age: use 45s, 30m, 12h, 7d or ISO-8601 (PT12H)");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"PT-1H", "-P1D"})
  @DisplayName("is refused when negative")
  void refusesNegative(String text) {
    assertThatThrownBy(() -> Ages.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is negative");
  }
}
