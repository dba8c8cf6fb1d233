package dev.uplink.api.http;

import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.DestinationPolicy;
import dev.uplink.core.operations.OperatorService;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the HTTP layer enforces (the upload limits themselves are the service's: {@link
 * dev.uplink.api.UploadLimits}).
 *
 * @param callers API key to the caller it speaks for (owner and destination policy)
 * @param maxConcurrentUploads streamed uploads in progress at once; one more is refused with 429
 * @param maxWait the longest long-poll ({@code ?wait=} seconds) a status request may ask for
 * @param probes what {@code /readyz} checks and {@code /metrics} serves
 * @param operators the operators' service behind {@code /v1/dlq} and retries; without it those
 *     endpoints answer 501
 */
public record ApiSettings(
    Map<String, Caller> callers,
    int maxConcurrentUploads,
    Duration maxWait,
    Probes probes,
    Optional<OperatorService> operators) {

  public static final int DEFAULT_MAX_CONCURRENT_UPLOADS = 64;
  public static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(20);

  public ApiSettings {
    callers = Map.copyOf(callers);
    Objects.requireNonNull(maxWait, "maxWait");
    Objects.requireNonNull(probes, "probes");
    Objects.requireNonNull(operators, "operators");
    if (maxConcurrentUploads < 1) {
      throw new IllegalArgumentException(
          "maxConcurrentUploads must be positive, got " + maxConcurrentUploads);
    }
    if (maxWait.isNegative()) {
      throw new IllegalArgumentException("maxWait must not be negative, got " + maxWait);
    }
  }

  /** The keys, policies and HTTP limits {@code config} sets. */
  public static ApiSettings from(UplinkConfig config) {
    return new ApiSettings(
        config.apiKeys(),
        config.api().maxConcurrentUploads(),
        DEFAULT_MAX_WAIT,
        Probes.NONE,
        Optional.empty());
  }

  /** Default limits for these callers. */
  public static ApiSettings of(Map<String, Caller> callers) {
    return new ApiSettings(
        callers, DEFAULT_MAX_CONCURRENT_UPLOADS, DEFAULT_MAX_WAIT, Probes.NONE, Optional.empty());
  }

  /** Default limits; every key may send anywhere ({@link DestinationPolicy#allowAll}). */
  public static ApiSettings allowingAll(Map<String, String> apiKeysToOwners) {
    var callers = new LinkedHashMap<String, Caller>();
    apiKeysToOwners.forEach(
        (key, owner) -> callers.put(key, new Caller(owner, DestinationPolicy.allowAll())));
    return of(callers);
  }

  public ApiSettings withMaxConcurrentUploads(int uploads) {
    return new ApiSettings(callers, uploads, maxWait, probes, operators);
  }

  public ApiSettings withProbes(Probes newProbes) {
    return new ApiSettings(callers, maxConcurrentUploads, maxWait, newProbes, operators);
  }

  public ApiSettings withOperators(OperatorService service) {
    return new ApiSettings(callers, maxConcurrentUploads, maxWait, probes, Optional.of(service));
  }
}
