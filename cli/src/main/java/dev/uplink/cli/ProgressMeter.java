package dev.uplink.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Draws a {@link ProgressBar} on stderr, redrawing the same line ({@code \r}) at most every {@link
 * #REDRAW_INTERVAL}, and ends it with a newline. Thread-safe: the HTTP client reports bytes from
 * its own threads. A {@link #disabled()} meter draws nothing.
 */
final class ProgressMeter {

  static final Duration REDRAW_INTERVAL = Duration.ofMillis(100);

  private final PrintWriter err;
  private final LongSupplier nanoTime;
  private String label;
  private long total;
  private long done;
  private long startedNanos;
  private long drawnNanos;
  private int drawnLength;
  private boolean drawing;

  private ProgressMeter(PrintWriter err, LongSupplier nanoTime) {
    this.err = err;
    this.nanoTime = nanoTime;
  }

  /** A meter drawing on {@code err}. */
  static ProgressMeter on(PrintWriter err) {
    return on(err, System::nanoTime);
  }

  static ProgressMeter on(PrintWriter err, LongSupplier nanoTime) {
    return new ProgressMeter(err, nanoTime);
  }

  /** A meter that draws nothing. */
  static ProgressMeter disabled() {
    return new ProgressMeter(null, System::nanoTime);
  }

  boolean enabled() {
    return err != null;
  }

  /** Starts a new bar (ending one still drawn) for {@code total} bytes. */
  synchronized void start(String newLabel, long newTotal) {
    finish();
    label = newLabel;
    total = newTotal;
    done = 0;
    startedNanos = nanoTime.getAsLong();
    drawnNanos = 0;
    drawing = true;
    draw(true);
  }

  /** Adds {@code bytes} to what is done. */
  synchronized void advance(long bytes) {
    update(done + bytes);
  }

  /** Sets what is done (e.g. bytes pushed, as the API reports them). */
  synchronized void update(long newDone) {
    if (!drawing) {
      return;
    }
    done = newDone;
    draw(false);
  }

  /** Changes the label of the bar being drawn (e.g. the task's status while waiting). */
  synchronized void relabel(String newLabel) {
    if (drawing && !newLabel.equals(label)) {
      label = newLabel;
      draw(true);
    }
  }

  /** Draws the last state and ends the line; nothing if no bar is being drawn. */
  synchronized void finish() {
    if (!drawing) {
      return;
    }
    draw(true);
    if (err != null) {
      err.println();
      err.flush();
    }
    drawing = false;
  }

  private void draw(boolean force) {
    if (err == null) {
      return;
    }
    long now = nanoTime.getAsLong();
    if (!force && now - drawnNanos < REDRAW_INTERVAL.toNanos()) {
      return;
    }
    drawnNanos = now;
    String line = ProgressBar.render(label, done, total, Duration.ofNanos(now - startedNanos));
    // Blank out what remains of a longer previous line.
    String padding = " ".repeat(Math.max(0, drawnLength - line.length()));
    err.print("\r" + line + padding);
    err.flush();
    drawnLength = line.length();
  }
}
