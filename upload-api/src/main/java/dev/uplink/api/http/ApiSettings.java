package dev.uplink.api.http;

import dev.uplink.api.WebhookService;
import dev.uplink.api.admission.PartBuffers;
import dev.uplink.core.config.AdmissionLimits;
import dev.uplink.core.config.AwsSettings;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.DestinationPolicy;
import dev.uplink.core.operations.OperatorService;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
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
 * @param browserUploadOrigins where presigned URLs send a browser (the object store's origins, e.g.
 *     {@code https://bucket.s3.eu-west-1.amazonaws.com}): the web page's Content-Security-Policy
 *     lets it connect there and nowhere else but this server
 * @param admission each owner's share of the upload slots and long polls, the memory budget of
 *     streamed uploads and their minimum rate
 * @param partSizeBytes the object store's part size ({@code UPLINK_PART_SIZE_MB}): a streamed
 *     upload holds two parts at most, and the memory budget is counted in what uploads hold
 * @param webhooks the owners' webhook endpoints behind {@code /v1/webhooks}; without it those
 *     endpoints answer 501
 */
public record ApiSettings(
    Map<String, Caller> callers,
    int maxConcurrentUploads,
    Duration maxWait,
    Probes probes,
    Optional<OperatorService> operators,
    List<String> browserUploadOrigins,
    AdmissionLimits admission,
    int partSizeBytes,
    Optional<WebhookService> webhooks) {

  public static final int DEFAULT_MAX_CONCURRENT_UPLOADS = 64;
  public static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(20);
  public static final int DEFAULT_PART_SIZE_BYTES = 8 * 1024 * 1024;

  public ApiSettings {
    callers = Map.copyOf(callers);
    Objects.requireNonNull(maxWait, "maxWait");
    Objects.requireNonNull(admission, "admission");
    Objects.requireNonNull(probes, "probes");
    Objects.requireNonNull(operators, "operators");
    Objects.requireNonNull(webhooks, "webhooks");
    browserUploadOrigins = List.copyOf(browserUploadOrigins);
    browserUploadOrigins.forEach(ApiSettings::requireOrigin);
    if (maxConcurrentUploads < 1) {
      throw new IllegalArgumentException(
          "maxConcurrentUploads must be positive, got " + maxConcurrentUploads);
    }
    if (maxWait.isNegative()) {
      throw new IllegalArgumentException("maxWait must not be negative, got " + maxWait);
    }
    if (partSizeBytes < PartBuffers.SMALLEST) {
      throw new IllegalArgumentException("partSizeBytes must be at least " + PartBuffers.SMALLEST);
    }
  }

  /** These settings without webhooks. */
  public ApiSettings(
      Map<String, Caller> callers,
      int maxConcurrentUploads,
      Duration maxWait,
      Probes probes,
      Optional<OperatorService> operators,
      List<String> browserUploadOrigins,
      AdmissionLimits admission,
      int partSizeBytes) {
    this(
        callers,
        maxConcurrentUploads,
        maxWait,
        probes,
        operators,
        browserUploadOrigins,
        admission,
        partSizeBytes,
        Optional.empty());
  }

  /** These settings with the default admission limits and part size. */
  public ApiSettings(
      Map<String, Caller> callers,
      int maxConcurrentUploads,
      Duration maxWait,
      Probes probes,
      Optional<OperatorService> operators,
      List<String> browserUploadOrigins) {
    this(
        callers,
        maxConcurrentUploads,
        maxWait,
        probes,
        operators,
        browserUploadOrigins,
        AdmissionLimits.defaults(maxConcurrentUploads),
        DEFAULT_PART_SIZE_BYTES);
  }

  /** The keys, policies and HTTP limits {@code config} sets; the bucket's origin for browsers. */
  public static ApiSettings from(UplinkConfig config) {
    return new ApiSettings(
        config.apiKeys(),
        config.api().maxConcurrentUploads(),
        DEFAULT_MAX_WAIT,
        Probes.NONE,
        Optional.empty(),
        List.of(objectStoreOrigin(config.aws())),
        config.api().admission(),
        config.partSizeBytes());
  }

  /** Default limits for these callers; no presigned uploads from browsers. */
  public static ApiSettings of(Map<String, Caller> callers) {
    return new ApiSettings(
        callers,
        DEFAULT_MAX_CONCURRENT_UPLOADS,
        DEFAULT_MAX_WAIT,
        Probes.NONE,
        Optional.empty(),
        List.of(),
        AdmissionLimits.defaults(DEFAULT_MAX_CONCURRENT_UPLOADS),
        DEFAULT_PART_SIZE_BYTES);
  }

  /** Default limits; every key may send anywhere ({@link DestinationPolicy#allowAll}). */
  public static ApiSettings allowingAll(Map<String, String> apiKeysToOwners) {
    var callers = new LinkedHashMap<String, Caller>();
    apiKeysToOwners.forEach(
        (key, owner) -> callers.put(key, new Caller(owner, DestinationPolicy.allowAll())));
    return of(callers);
  }

  /** {@code uploads} slots, and the default share of them per owner: half. */
  public ApiSettings withMaxConcurrentUploads(int uploads) {
    var shares =
        new AdmissionLimits(
            AdmissionLimits.halfOf(uploads),
            admission.uploadBufferBytes(),
            admission.minUploadBytesPerSecond(),
            admission.minUploadRateWindow(),
            admission.maxLongPollsPerOwner());
    return new ApiSettings(
        callers,
        uploads,
        maxWait,
        probes,
        operators,
        browserUploadOrigins,
        shares,
        partSizeBytes,
        webhooks);
  }

  public ApiSettings withProbes(Probes newProbes) {
    return new ApiSettings(
        callers,
        maxConcurrentUploads,
        maxWait,
        newProbes,
        operators,
        browserUploadOrigins,
        admission,
        partSizeBytes,
        webhooks);
  }

  public ApiSettings withOperators(OperatorService service) {
    return new ApiSettings(
        callers,
        maxConcurrentUploads,
        maxWait,
        probes,
        Optional.of(service),
        browserUploadOrigins,
        admission,
        partSizeBytes,
        webhooks);
  }

  public ApiSettings withBrowserUploadOrigins(List<String> origins) {
    return new ApiSettings(
        callers,
        maxConcurrentUploads,
        maxWait,
        probes,
        operators,
        origins,
        admission,
        partSizeBytes,
        webhooks);
  }

  public ApiSettings withAdmission(AdmissionLimits newAdmission) {
    return new ApiSettings(
        callers,
        maxConcurrentUploads,
        maxWait,
        probes,
        operators,
        browserUploadOrigins,
        newAdmission,
        partSizeBytes,
        webhooks);
  }

  public ApiSettings withWebhooks(WebhookService service) {
    return new ApiSettings(
        callers,
        maxConcurrentUploads,
        maxWait,
        probes,
        operators,
        browserUploadOrigins,
        admission,
        partSizeBytes,
        Optional.of(service));
  }

  public ApiSettings withPartSizeBytes(int newPartSizeBytes) {
    return new ApiSettings(
        callers,
        maxConcurrentUploads,
        maxWait,
        probes,
        operators,
        browserUploadOrigins,
        admission,
        newPartSizeBytes,
        webhooks);
  }

  /**
   * The origin of the presigned URLs made for {@code aws}: the endpoint's when one is set (an
   * emulator, path-style), else the bucket's virtual host, as the AWS SDK signs it: {@code
   * https://BUCKET.s3.REGION.amazonaws.com} ({@code s3.amazonaws.com} in us-east-1), or that
   * endpoint itself for a bucket name with dots, which the SDK addresses path-style over HTTPS.
   */
  public static String objectStoreOrigin(AwsSettings aws) {
    return aws.s3Endpoint()
        .map(ApiSettings::originOf)
        .orElseGet(
            () -> {
              String host =
                  aws.region().equals("us-east-1")
                      ? "s3.amazonaws.com"
                      : "s3." + aws.region() + ".amazonaws.com";
              return "https://" + (aws.bucket().contains(".") ? host : aws.bucket() + "." + host);
            });
  }

  private static String originOf(URI uri) {
    return uri.getScheme() + "://" + uri.getRawAuthority();
  }

  private static void requireOrigin(String origin) {
    URI uri = URI.create(origin);
    if (uri.getScheme() == null
        || uri.getRawAuthority() == null
        || !originOf(uri).equals(origin)
        || origin.contains(" ")
        || origin.contains(";")) {
      throw new IllegalArgumentException(
          "browserUploadOrigins holds scheme://host[:port] origins only, got " + origin);
    }
  }
}
