package dev.uplink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("Progress")
class ProgressBarTest {

  private static final long MIB = 1024 * 1024;

  @Nested
  @DisplayName("renders one line")
  class Rendering {

    @Test
    @DisplayName("with the bar, the percentage, the average rate and the time left")
    void midway() {
      assertThat(ProgressBar.render("upload", 52 * MIB, 100 * MIB, Duration.ofSeconds(4)))
          .isEqualTo("upload [###############               ]  52% 13.0 MiB/s ETA 4s");
    }

    @Test
    @DisplayName("without rate or ETA before anything moved")
    void start() {
      assertThat(ProgressBar.render("upload", 0, 100 * MIB, Duration.ofSeconds(3)))
          .isEqualTo("upload [                              ]   0% --/s ETA --");
    }

    @Test
    @DisplayName("without rate or ETA in the first moments, when a rate means nothing")
    void tooEarly() {
      assertThat(ProgressBar.render("upload", MIB, 100 * MIB, Duration.ofMillis(50)))
          .endsWith("   1% --/s ETA --");
    }

    @Test
    @DisplayName("with the rate and the time taken when complete")
    void complete() {
      assertThat(ProgressBar.render("sha256", 100 * MIB, 100 * MIB, Duration.ofSeconds(10)))
          .isEqualTo("sha256 [##############################] 100% 10.0 MiB/s in 10s");
    }

    @Test
    @DisplayName("as complete for an empty file, and never past 100%")
    void edges() {
      assertThat(ProgressBar.render("upload", 0, 0, Duration.ZERO)).contains("100% in 0s");
      assertThat(ProgressBar.render("upload", 200, 100, Duration.ofSeconds(1)))
          .contains("[##############################] 100%");
    }

    @Test
    @DisplayName("without a label when none is given")
    void noLabel() {
      assertThat(ProgressBar.render("", 1, 2, Duration.ofSeconds(1))).startsWith("[#");
    }

    @Test
    @DisplayName("with durations as seconds, minutes and hours")
    void durations() {
      assertThat(ProgressBar.duration(4)).isEqualTo("4s");
      assertThat(ProgressBar.duration(65)).isEqualTo("1m05s");
      assertThat(ProgressBar.duration(7380)).isEqualTo("2h03m");
    }
  }

  @Nested
  @DisplayName("on stderr")
  class Meter {

    private final StringWriter err = new StringWriter();
    private final AtomicLong now = new AtomicLong();
    private final ProgressMeter meter = ProgressMeter.on(new PrintWriter(err), now::get);

    @Test
    @DisplayName("redraws the same line with a carriage return and ends it with a newline")
    void redrawsOneLine() {
      meter.start("upload", 100);
      now.addAndGet(Duration.ofSeconds(1).toNanos());
      meter.advance(50);
      now.addAndGet(Duration.ofSeconds(1).toNanos());
      meter.advance(50);
      meter.finish();
      String text = err.toString();
      assertThat(text).startsWith("\rupload [").endsWith(System.lineSeparator());
      assertThat(text.split("\r", -1)).as("redraws").hasSizeGreaterThanOrEqualTo(4);
      assertThat(text).contains(" 50% ").contains("100% 50 B/s in 2s");
      assertThat(text.chars().filter(c -> c == '\n').count()).as("newlines").isEqualTo(1);
    }

    @Test
    @DisplayName("redraws at most every 100 ms however often bytes arrive")
    void throttles() {
      meter.start("upload", 1000);
      for (int i = 0; i < 100; i++) {
        now.addAndGet(Duration.ofMillis(1).toNanos());
        meter.advance(1);
      }
      // The start, then one redraw after 100 ms.
      assertThat(err.toString().split("\r", -1)).hasSize(3);
    }

    @Test
    @DisplayName("blanks out what remains of a longer previous line")
    void padsShorterLines() {
      meter.start("a-long-label", 100);
      meter.relabel("short");
      String[] draws = err.toString().split("\r", -1);
      assertThat(draws[2]).hasSameSizeAs(draws[1]).endsWith("       ");
    }

    @Test
    @DisplayName("draws nothing when disabled")
    void disabled() {
      ProgressMeter off = ProgressMeter.disabled();
      off.start("upload", 100);
      off.advance(100);
      off.finish();
      assertThat(off.enabled()).isFalse();
    }
  }
}
