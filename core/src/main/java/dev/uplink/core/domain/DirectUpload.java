package dev.uplink.core.domain;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * How the client of a presigned upload sends the bytes straight to the object store.
 *
 * @param multipartUploadId the object store's multipart upload, for an upload in parts; empty for
 *     one presigned PUT
 * @param partSize the size of every part but the last, for an upload in parts; 0 otherwise
 * @param expiresAt after this the upload can no longer be completed: URLs are no longer handed out,
 *     and the task is failed with {@link TaskError#UPLOAD_EXPIRED} and its parts aborted
 */
public record DirectUpload(Optional<String> multipartUploadId, long partSize, Instant expiresAt) {

  public DirectUpload {
    Objects.requireNonNull(multipartUploadId, "multipartUploadId");
    Objects.requireNonNull(expiresAt, "expiresAt");
    if (multipartUploadId.isPresent() != partSize > 0) {
      throw new IllegalArgumentException(
          "an upload in parts needs a part size, one PUT none: "
              + multipartUploadId
              + ", "
              + partSize);
    }
  }

  /** One presigned PUT of the whole object. */
  public static DirectUpload singlePut(Instant expiresAt) {
    return new DirectUpload(Optional.empty(), 0, expiresAt);
  }

  /** A multipart upload in parts of {@code partSize} bytes (the last may be smaller). */
  public static DirectUpload inParts(String multipartUploadId, long partSize, Instant expiresAt) {
    return new DirectUpload(Optional.of(multipartUploadId), partSize, expiresAt);
  }

  public boolean isMultipart() {
    return multipartUploadId.isPresent();
  }

  /** How many parts an object of {@code size} bytes has; 1 for a single PUT. */
  public int partCount(long size) {
    if (!isMultipart()) {
      return 1;
    }
    return (int) Math.max(1, (size + partSize - 1) / partSize);
  }

  /** The length of part {@code number} (1-based) of an object of {@code size} bytes. */
  public long partLength(int number, long size) {
    int count = partCount(size);
    if (number < 1 || number > count) {
      throw new IllegalArgumentException("part " + number + " is not in 1.." + count);
    }
    return number < count ? partSize : size - partSize * (count - 1L);
  }
}
