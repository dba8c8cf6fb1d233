package dev.uplink.api;

import dev.uplink.core.domain.DirectUpload;
import dev.uplink.core.domain.DirectUploads;
import dev.uplink.core.domain.ObjectStore;
import dev.uplink.core.domain.UploadTask;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Discards what an upload left in the object store (its object, the parts of an unfinished
 * multipart upload) once no task will read it. Failures are logged, never thrown: the bucket's
 * lifecycle rules expire what is left.
 */
final class StoredBytes {

  private static final Logger LOG = LoggerFactory.getLogger(StoredBytes.class);

  private final ObjectStore objects;
  private final Optional<DirectUploads> uploads;

  StoredBytes(ObjectStore objects, Optional<DirectUploads> uploads) {
    this.objects = Objects.requireNonNull(objects, "objects");
    this.uploads = Objects.requireNonNull(uploads, "uploads");
  }

  /** A withdrawn task's bytes: its object, and the parts of its unfinished multipart upload. */
  void discard(UploadTask task) {
    abortParts(task);
    delete(task.objectKey());
  }

  /** The parts of the task's multipart upload, if it has one. */
  void abortParts(UploadTask task) {
    task.directUpload()
        .flatMap(DirectUpload::multipartUploadId)
        .ifPresent(uploadId -> abortParts(task.objectKey(), uploadId));
  }

  /** The parts of multipart upload {@code uploadId} of {@code key}. */
  void abortParts(String key, String uploadId) {
    uploads.ifPresent(
        store -> {
          try {
            store.abortMultipart(key, uploadId);
          } catch (RuntimeException e) {
            LOG.warn("Could not abort multipart upload of {}; the lifecycle rule will", key, e);
          }
        });
  }

  /** The object under {@code key}. */
  void delete(String key) {
    try {
      objects.delete(key);
    } catch (RuntimeException e) {
      LOG.warn("Could not delete orphaned object {}; a lifecycle rule must expire it", key, e);
    }
  }
}
