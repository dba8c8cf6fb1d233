package dev.uplink.core.config;

import static dev.uplink.core.config.Setting.seconds;
import static dev.uplink.core.config.Setting.wholeNumber;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Webhooks: where endpoints and delivery attempts are kept, the delivery queue, how deliveries are
 * retried and which addresses a webhook may reach.
 *
 * @param allowHttpLoopback {@code http} URLs on loopback are accepted ({@code
 *     UPLINK_WEBHOOKS_ALLOW_HTTP_LOOPBACK}; the local stack's default): otherwise only {@code
 *     https}
 * @param allowInternalAddresses private, loopback and link-local addresses (metadata services
 *     included) may be reached ({@code UPLINK_WEBHOOKS_ALLOW_INTERNAL}); off, a receiver must be on
 *     a public address
 * @param table the table of endpoints and delivery attempts ({@code UPLINK_WEBHOOK_TABLE})
 * @param queue the delivery queue ({@code UPLINK_WEBHOOK_QUEUE})
 * @param deadLetterQueue where deliveries go after {@code maxAttempts} ({@code UPLINK_WEBHOOK_DLQ})
 * @param firstRetry the wait after the first failed attempt, doubled after each failure ({@code
 *     UPLINK_WEBHOOK_FIRST_RETRY}, seconds)
 * @param longestRetry the longest wait between two attempts ({@code UPLINK_WEBHOOK_LONGEST_RETRY})
 * @param maxAttempts attempts before a delivery is dead-lettered ({@code
 *     UPLINK_WEBHOOK_MAX_ATTEMPTS}): with the defaults, about a day of retries
 */
public record WebhookSettings(
    boolean allowHttpLoopback,
    boolean allowInternalAddresses,
    String table,
    String queue,
    String deadLetterQueue,
    Duration firstRetry,
    Duration longestRetry,
    int maxAttempts) {

  /** 30 s doubling to an hour: 30 attempts span about 24 hours (7 in the first hour). */
  static final Duration FIRST_RETRY = Duration.ofSeconds(30);

  static final Duration LONGEST_RETRY = Duration.ofHours(1);
  static final int MAX_ATTEMPTS = 30;

  public WebhookSettings {
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(queue, "queue");
    Objects.requireNonNull(deadLetterQueue, "deadLetterQueue");
    Objects.requireNonNull(firstRetry, "firstRetry");
    Objects.requireNonNull(longestRetry, "longestRetry");
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be positive, got " + maxAttempts);
    }
  }

  /** Reads the webhook variables of {@code env}; {@code http} on loopback is refused unless set. */
  public static WebhookSettings fromEnvironment(Map<String, String> env) {
    return read(new Environment(env, SecretSource.none()), false);
  }

  /** As {@link #fromEnvironment}, but {@code http} on loopback is allowed unless set to false. */
  public static WebhookSettings forLocalStack(Map<String, String> env) {
    return read(new Environment(env, SecretSource.none()), true);
  }

  static WebhookSettings read(Environment env, boolean httpLoopbackByDefault) {
    return new WebhookSettings(
        env.read(Setting.flag("UPLINK_WEBHOOKS_ALLOW_HTTP_LOOPBACK").orElse(httpLoopbackByDefault)),
        env.read(Setting.flag("UPLINK_WEBHOOKS_ALLOW_INTERNAL").orElse(false)),
        env.read(Setting.text("UPLINK_WEBHOOK_TABLE").orElse("uplink-webhooks")),
        env.read(Setting.text("UPLINK_WEBHOOK_QUEUE").orElse("uplink-webhook-deliveries")),
        env.read(Setting.text("UPLINK_WEBHOOK_DLQ").orElse("uplink-webhook-deliveries-dlq")),
        env.read(seconds("UPLINK_WEBHOOK_FIRST_RETRY", 1, 43_200).orElse(FIRST_RETRY)),
        env.read(seconds("UPLINK_WEBHOOK_LONGEST_RETRY", 1, 43_200).orElse(LONGEST_RETRY)),
        env.read(wholeNumber("UPLINK_WEBHOOK_MAX_ATTEMPTS", 1, 1000).orElse(MAX_ATTEMPTS)));
  }

  /** The wait after failed attempt {@code attempt} (1 for the first): doubling, capped. */
  public Duration retryDelay(int attempt) {
    int doublings = Math.min(Math.max(attempt - 1, 0), 30);
    Duration delay = firstRetry.multipliedBy(1L << doublings);
    return delay.compareTo(longestRetry) > 0 ? longestRetry : delay;
  }

  public WebhookSettings withRetries(Duration first, Duration longest, int attempts) {
    return new WebhookSettings(
        allowHttpLoopback,
        allowInternalAddresses,
        table,
        queue,
        deadLetterQueue,
        first,
        longest,
        attempts);
  }
}
