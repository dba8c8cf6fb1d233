package dev.uplink.core.config;

import static dev.uplink.core.config.Setting.seconds;
import static dev.uplink.core.config.Setting.wholeNumber;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The upload API's limits.
 *
 * @param maxUploadBytes the largest file accepted, streamed or presigned (413 past it)
 * @param maxConcurrentUploads streamed uploads one API process takes at once (429 past it)
 * @param presignExpiry how long a presigned URL works
 * @param uploadWindow how long a presigned upload may take to be completed before its task fails
 *     with UPLOAD_EXPIRED
 * @param admission shares per owner, the memory budget and the minimum upload rate
 */
public record ApiLimits(
    long maxUploadBytes,
    int maxConcurrentUploads,
    Duration presignExpiry,
    Duration uploadWindow,
    AdmissionLimits admission) {

  public ApiLimits {
    Objects.requireNonNull(presignExpiry, "presignExpiry");
    Objects.requireNonNull(uploadWindow, "uploadWindow");
    Objects.requireNonNull(admission, "admission");
    if (uploadWindow.compareTo(presignExpiry) < 0) {
      throw new ConfigException(
          "UPLINK_UPLOAD_WINDOW must not be shorter than UPLINK_PRESIGN_EXPIRY");
    }
  }

  /** These limits with the default admission limits for {@code maxConcurrentUploads}. */
  public ApiLimits(
      long maxUploadBytes,
      int maxConcurrentUploads,
      Duration presignExpiry,
      Duration uploadWindow) {
    this(
        maxUploadBytes,
        maxConcurrentUploads,
        presignExpiry,
        uploadWindow,
        AdmissionLimits.defaults(maxConcurrentUploads));
  }

  /**
   * The documented defaults: 10 GiB, 64 uploads (32 per owner), 15 minutes, 24 hours; what {@link
   * #read} gives when no variable is set.
   */
  public static ApiLimits defaults() {
    return read(Environment.empty());
  }

  /** Reads the upload API's variables; unset ones take their documented defaults. */
  static ApiLimits read(Environment env) {
    int maxConcurrentUploads =
        env.read(wholeNumber("UPLINK_MAX_CONCURRENT_UPLOADS", 1, 100_000).orElse(64));
    int partSizeMb = env.read(UplinkConfig.PART_SIZE_MB);
    Optional<Integer> bufferMb = env.find(wholeNumber("UPLINK_UPLOAD_BUFFER_MB", 1, 1024 * 1024));
    if (bufferMb.isPresent() && bufferMb.get() < 2 * partSizeMb) {
      throw new ConfigException(
          "UPLINK_UPLOAD_BUFFER_MB must hold the two parts one streamed upload may buffer"
              + " (2 x UPLINK_PART_SIZE_MB = %d), got %d"
                  .formatted(2 * partSizeMb, bufferMb.get()));
    }
    return new ApiLimits(
        env.read(wholeNumber("UPLINK_MAX_UPLOAD_MB", 1, 5 * 1024 * 1024).orElse(10_240))
            * 1024L
            * 1024,
        maxConcurrentUploads,
        env.read(seconds("UPLINK_PRESIGN_EXPIRY", 1, 604_800).orElse(Duration.ofMinutes(15))),
        env.read(seconds("UPLINK_UPLOAD_WINDOW", 1, 604_800).orElse(Duration.ofHours(24))),
        AdmissionLimits.read(env, maxConcurrentUploads, bufferMb));
  }

  public ApiLimits withAdmission(AdmissionLimits newAdmission) {
    return new ApiLimits(
        maxUploadBytes, maxConcurrentUploads, presignExpiry, uploadWindow, newAdmission);
  }
}
