package dev.uplink.core.config;

import static dev.uplink.core.config.Setting.seconds;
import static dev.uplink.core.config.Setting.wholeNumber;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What keeps one client from starving or exhausting the upload API: shares per owner, a memory
 * budget for streamed uploads, and a minimum upload rate.
 *
 * @param maxUploadsPerOwner streamed uploads one owner (all its keys together) may have in progress
 *     at once; one more is refused with 429 while other owners still get theirs
 * @param uploadBufferBytes the memory all streamed uploads' part buffers may hold together; empty:
 *     a quarter of the heap
 * @param minUploadBytesPerSecond the slowest a streamed upload may send, measured over {@code
 *     minUploadRateWindow} of waiting for its bytes; slower uploads are ended with 408; 0: no floor
 * @param minUploadRateWindow how long an upload may stay under the floor before it is ended
 * @param maxLongPollsPerOwner long polls ({@code GET /v1/uploads/{id}?wait=}) one owner may have
 *     open at once; one more is refused with 429
 */
public record AdmissionLimits(
    int maxUploadsPerOwner,
    OptionalLong uploadBufferBytes,
    long minUploadBytesPerSecond,
    Duration minUploadRateWindow,
    int maxLongPollsPerOwner) {

  /** The documented default floor: 16 KiB/s. */
  public static final long DEFAULT_MIN_UPLOAD_BYTES_PER_SECOND = 16 * 1024;

  /** The documented default window of the floor. */
  public static final Duration DEFAULT_MIN_UPLOAD_RATE_WINDOW = Duration.ofSeconds(30);

  /** The documented default number of long polls per owner. */
  public static final int DEFAULT_MAX_LONG_POLLS_PER_OWNER = 10;

  public AdmissionLimits {
    Objects.requireNonNull(uploadBufferBytes, "uploadBufferBytes");
    Objects.requireNonNull(minUploadRateWindow, "minUploadRateWindow");
    if (maxUploadsPerOwner < 1) {
      throw new ConfigException("UPLINK_MAX_UPLOADS_PER_OWNER must be at least 1");
    }
    if (maxLongPollsPerOwner < 1) {
      throw new ConfigException("UPLINK_MAX_LONG_POLLS_PER_OWNER must be at least 1");
    }
    if (minUploadBytesPerSecond < 0) {
      throw new ConfigException("UPLINK_MIN_UPLOAD_RATE_KBPS must not be negative");
    }
    if (minUploadRateWindow.isNegative() || minUploadRateWindow.isZero()) {
      throw new ConfigException("UPLINK_MIN_UPLOAD_RATE_WINDOW must be positive");
    }
    if (uploadBufferBytes.isPresent() && uploadBufferBytes.getAsLong() < 1) {
      throw new ConfigException("UPLINK_UPLOAD_BUFFER_MB must be positive");
    }
  }

  /**
   * The documented defaults for a server taking {@code maxConcurrentUploads}: half the slots per
   * owner (rounded up), a quarter of the heap for buffers, 16 KiB/s over 30 s, 10 long polls.
   */
  public static AdmissionLimits defaults(int maxConcurrentUploads) {
    return new AdmissionLimits(
        halfOf(maxConcurrentUploads),
        OptionalLong.empty(),
        DEFAULT_MIN_UPLOAD_BYTES_PER_SECOND,
        DEFAULT_MIN_UPLOAD_RATE_WINDOW,
        DEFAULT_MAX_LONG_POLLS_PER_OWNER);
  }

  /**
   * Reads the admission variables of a server taking {@code maxConcurrentUploads}, whose buffer
   * budget ({@code UPLINK_UPLOAD_BUFFER_MB}, checked against the part size) is {@code bufferMb}.
   */
  static AdmissionLimits read(
      Environment env, int maxConcurrentUploads, Optional<Integer> bufferMb) {
    return new AdmissionLimits(
        env.read(
            wholeNumber("UPLINK_MAX_UPLOADS_PER_OWNER", 1, 100_000)
                .orElse(halfOf(maxConcurrentUploads))),
        bufferMb.map(mb -> OptionalLong.of(mb * 1024L * 1024)).orElse(OptionalLong.empty()),
        env.read(wholeNumber("UPLINK_MIN_UPLOAD_RATE_KBPS", 0, 1024 * 1024).orElse(16)) * 1024L,
        env.read(
            seconds("UPLINK_MIN_UPLOAD_RATE_WINDOW", 1, 3600)
                .orElse(DEFAULT_MIN_UPLOAD_RATE_WINDOW)),
        env.read(
            wholeNumber("UPLINK_MAX_LONG_POLLS_PER_OWNER", 1, 100_000)
                .orElse(DEFAULT_MAX_LONG_POLLS_PER_OWNER)));
  }

  /** Half of {@code slots}, rounded up: the default share of one owner. */
  public static int halfOf(int slots) {
    return Math.max(1, (slots + 1) / 2);
  }
}
