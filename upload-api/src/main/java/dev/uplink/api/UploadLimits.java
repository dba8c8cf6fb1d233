package dev.uplink.api;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits on uploads.
 *
 * @param maxUploadBytes the largest file accepted, streamed or presigned
 * @param presignExpiry how long presigned URLs work, and so how long a presigned upload may take
 *     before its task fails with UPLOAD_EXPIRED
 * @param multipartPartSize the part size a presigned multipart upload is cut into (at least 5 MiB;
 *     raised for files that would otherwise need more than 10,000 parts)
 * @param uploadWindow how long after it is created a presigned upload may be completed; fresh URLs
 *     are handed out until then, and after it the task fails with UPLOAD_EXPIRED
 */
public record UploadLimits(
    long maxUploadBytes, Duration presignExpiry, long multipartPartSize, Duration uploadWindow) {

  public static final long DEFAULT_MAX_UPLOAD_BYTES = 10L * 1024 * 1024 * 1024;
  public static final Duration DEFAULT_PRESIGN_EXPIRY = Duration.ofMinutes(15);
  public static final long MIN_PART_SIZE = 5L * 1024 * 1024;
  public static final long DEFAULT_PART_SIZE = 16L * 1024 * 1024;
  public static final int MAX_PARTS = 10_000;
  public static final Duration DEFAULT_UPLOAD_WINDOW = Duration.ofHours(24);

  /** S3's largest single PUT: larger files must be uploaded in parts. */
  public static final long MAX_SINGLE_PUT = 5L * 1024 * 1024 * 1024;

  public UploadLimits {
    Objects.requireNonNull(presignExpiry, "presignExpiry");
    Objects.requireNonNull(uploadWindow, "uploadWindow");
    if (uploadWindow.compareTo(presignExpiry) < 0) {
      throw new IllegalArgumentException(
          "uploadWindow "
              + uploadWindow
              + " must not be shorter than presignExpiry "
              + presignExpiry);
    }
    if (maxUploadBytes < 1) {
      throw new IllegalArgumentException("maxUploadBytes must be positive, got " + maxUploadBytes);
    }
    if (presignExpiry.isNegative() || presignExpiry.isZero()) {
      throw new IllegalArgumentException("presignExpiry must be positive, got " + presignExpiry);
    }
    if (multipartPartSize < MIN_PART_SIZE) {
      throw new IllegalArgumentException(
          "multipartPartSize must be at least 5 MiB, got " + multipartPartSize);
    }
  }

  public static UploadLimits defaults() {
    return new UploadLimits(
        DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_PRESIGN_EXPIRY, DEFAULT_PART_SIZE, DEFAULT_UPLOAD_WINDOW);
  }

  public UploadLimits withMaxUploadBytes(long bytes) {
    return new UploadLimits(bytes, presignExpiry, multipartPartSize, uploadWindow);
  }

  /** Presigned URLs valid for {@code expiry}, uploads completable within {@code window}. */
  public UploadLimits withPresigning(Duration expiry, Duration window) {
    return new UploadLimits(maxUploadBytes, expiry, multipartPartSize, window);
  }

  /** The part size for a file of {@code size} bytes: the configured one, or more past 10,000. */
  public long partSizeFor(long size) {
    long needed = (size + MAX_PARTS - 1) / MAX_PARTS;
    long mib = 1024 * 1024;
    return Math.max(multipartPartSize, (needed + mib - 1) / mib * mib);
  }
}
