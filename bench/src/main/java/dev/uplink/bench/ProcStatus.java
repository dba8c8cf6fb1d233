package dev.uplink.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads {@code /proc/PID/status}. */
final class ProcStatus {

  private ProcStatus() {}

  /** A {@code kB} field such as {@code VmHWM} (peak RSS) or {@code VmRSS}. */
  static long kilobytes(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read /proc/" + pid + "/status", e);
    }
    throw new IllegalStateException("/proc/" + pid + "/status has no " + field);
  }
}
