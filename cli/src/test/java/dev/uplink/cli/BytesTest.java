package dev.uplink.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("Byte counts")
class BytesTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "0, 0 B",
    "1023, 1023 B",
    "1024, 1.0 KiB",
    "1536, 1.5 KiB",
    "20971520, 20.0 MiB",
    "12897484, 12.3 MiB",
    "5368709120, 5.0 GiB"
  })
  @DisplayName("read in binary units with one decimal")
  void format(long bytes, String expected) {
    assertThat(Bytes.format(bytes)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "1048576, 1048576",
    "512B, 512",
    "64MiB, 67108864",
    "64M, 67108864",
    "64mi, 67108864",
    "1K, 1024",
    "100MB, 100000000",
    "1G, 1073741824",
    "2 GiB, 2147483648",
    "1TB, 1000000000000"
  })
  @DisplayName("are written as whole numbers with K, M, G, T (1024) or KB, MB, GB, TB (1000)")
  void parse(String text, long expected) {
    assertThat(Bytes.parse(text)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "[{index}] ''{0}''")
  @ValueSource(
      strings = {"", "lots", "1.5G", "-1", "5i", "5 X", "99999999999999999999", "9999999T"})
  @DisplayName("refuse anything else")
  void refuse(String text) {
    assertThatIllegalArgumentException().isThrownBy(() -> Bytes.parse(text));
  }
}
