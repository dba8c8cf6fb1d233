package dev.uplink.infra.chaos;

import java.time.Duration;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * Small helpers shared by the chaos tests: sleeping, the long-run switch. Random data and SHA-256:
 * {@link dev.uplink.infra.testing.TestFiles}.
 */
final class ChaosSupport {

  /**
   * System property (or, upper-cased with dots as underscores, environment variable) enabling the
   * long run.
   */
  static final String LONG_RUN_PROPERTY = "uplink.chaos.long";

  private ChaosSupport() {}

  /**
   * Whether the long chaos run is enabled: always under {@code CI=true} (CI runs everything),
   * otherwise with {@code -Duplink.chaos.long=true} (Failsafe passes Maven user properties on to
   * the forked JVM) or {@code UPLINK_CHAOS_LONG=true}. Used with {@link EnabledIf}.
   */
  static boolean longRunEnabled() {
    return "true".equalsIgnoreCase(System.getProperty(LONG_RUN_PROPERTY))
        || "true".equalsIgnoreCase(System.getenv("UPLINK_CHAOS_LONG"))
        || "true".equalsIgnoreCase(System.getenv("CI"));
  }

  static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  static long millisSince(long nanoTime) {
    return (System.nanoTime() - nanoTime) / 1_000_000;
  }
}
