package dev.uplink.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** What the benchmarks ran on. */
final class Machine {

  private Machine() {}

  static String describe() {
    return "%d cores (%s), %.0f GiB RAM, %s %s (%s), Linux %s"
        .formatted(
            Runtime.getRuntime().availableProcessors(),
            cpuModel(),
            memoryGiB(),
            System.getProperty("java.vm.name"),
            System.getProperty("java.runtime.version"),
            System.getProperty("java.vm.vendor"),
            read("/proc/sys/kernel/osrelease").trim());
  }

  /** The 1-minute load average now (other builds share the machine). */
  static String loadAverage() {
    String[] words = read("/proc/loadavg").trim().split("\\s+");
    return words.length >= 3 ? words[0] + " " + words[1] + " " + words[2] : "?";
  }

  /**
   * Whether another Maven build (a Maven JVM, or a Surefire or Failsafe fork) runs on the machine:
   * the test suite shares the cores and uses the same incusd, so its figures say when it
   * overlapped.
   */
  static boolean otherBuildRunning() {
    long self = ProcessHandle.current().pid();
    try (var all = ProcessHandle.allProcesses()) {
      return all.filter(p -> p.pid() != self)
          .map(p -> p.info().commandLine().orElse(""))
          .anyMatch(
              c ->
                  c.contains("plexus-classworlds")
                      || c.contains("surefire")
                      || c.contains("failsafe"));
    }
  }

  private static String cpuModel() {
    return read("/proc/cpuinfo")
        .lines()
        .filter(l -> l.startsWith("model name"))
        .map(l -> l.substring(l.indexOf(':') + 1).trim())
        .findFirst()
        .orElse("unknown CPU");
  }

  private static double memoryGiB() {
    return read("/proc/meminfo")
        .lines()
        .filter(l -> l.startsWith("MemTotal:"))
        .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0)
        .findFirst()
        .orElse(0.0);
  }

  private static String read(String file) {
    try {
      return Files.readString(Path.of(file));
    } catch (IOException e) {
      return "";
    }
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
