package dev.uplink.core.health;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The outcome of every readiness check.
 *
 * @param checks each check by name, in order: {@link #OK}, or why it failed
 */
public record ReadinessReport(Map<String, String> checks) {

  /** The outcome of a check that passed. */
  public static final String OK = "ok";

  public ReadinessReport {
    // Copied in order: the answer lists the checks as the process declared them.
    checks = Collections.unmodifiableMap(new LinkedHashMap<>(checks));
  }

  /** Whether every check passed. */
  public boolean ready() {
    return checks.values().stream().allMatch(OK::equals);
  }

  /** The checks that failed, and why, in order. */
  public Map<String, String> failed() {
    var failed = new LinkedHashMap<>(checks);
    failed.values().removeIf(OK::equals);
    return failed;
  }

  /**
   * The failed checks in one sentence, e.g. {@code Not ready: dynamodb (SdkClientException: …)}.
   */
  public String failureSummary() {
    return "Not ready: "
        + failed().entrySet().stream()
            .map(e -> e.getKey() + " (" + e.getValue() + ")")
            .collect(Collectors.joining(", "));
  }
}
