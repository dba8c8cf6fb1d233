package dev.uplink.core.config;

import java.time.Duration;
import java.util.Objects;

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

  /** The documented defaults: 10 GiB, 64 uploads (32 per owner), 15 minutes, 24 hours. */
  public static ApiLimits defaults() {
    return new ApiLimits(10L << 30, 64, Duration.ofMinutes(15), Duration.ofHours(24));
  }

  public ApiLimits withAdmission(AdmissionLimits newAdmission) {
    return new ApiLimits(
        maxUploadBytes, maxConcurrentUploads, presignExpiry, uploadWindow, newAdmission);
  }
}
