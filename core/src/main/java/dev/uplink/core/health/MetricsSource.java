package dev.uplink.core.health;

/**
 * The process's meters as text in a {@link MetricsFormat}, e.g. a Prometheus meter registry's
 * {@code scrape(String contentType)}.
 */
@FunctionalInterface
public interface MetricsSource {

  /** The current values, written as {@code contentType} (a {@link MetricsFormat#contentType()}). */
  String scrape(String contentType);
}
