package dev.uplink.core.health;

import java.util.Locale;

/**
 * The text formats {@code /metrics} speaks: Prometheus' classic text, or OpenMetrics 1.0 for a
 * scraper that asks for it in {@code Accept} (Prometheus does, given the choice).
 */
public enum MetricsFormat {
  PROMETHEUS_TEXT("text/plain; version=0.0.4; charset=utf-8"),
  OPENMETRICS_TEXT("application/openmetrics-text; version=1.0.0; charset=utf-8");

  private final String contentType;

  MetricsFormat(String contentType) {
    this.contentType = contentType;
  }

  /** The {@code Content-Type} of an answer in this format. */
  public String contentType() {
    return contentType;
  }

  /** OpenMetrics when {@code accept} names it, else Prometheus text (also for no header). */
  public static MetricsFormat forAccept(String accept) {
    return accept != null
            && accept.toLowerCase(Locale.ROOT).contains("application/openmetrics-text")
        ? OPENMETRICS_TEXT
        : PROMETHEUS_TEXT;
  }
}
