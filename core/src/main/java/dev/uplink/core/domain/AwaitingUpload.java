package dev.uplink.core.domain;

import java.time.Instant;
import java.util.Comparator;
import java.util.Objects;

/**
 * A task AWAITING_UPLOAD as a sweep of presigned uploads sees it ({@link
 * TaskStore#findAwaitingUploads}): enough to choose what to look at, not to act on it (read the
 * task first).
 *
 * @param id the task
 * @param owner whose it is
 * @param objectKey where its bytes go in the object store
 * @param deadline when its upload window closes ({@link DirectUpload#expiresAt})
 * @param inParts whether it is a multipart upload (the sweep completes single PUTs only)
 */
public record AwaitingUpload(
    TaskId id, String owner, String objectKey, Instant deadline, boolean inParts) {

  /** Earliest deadline first, then by id: the in-memory store's order of the sweep's pages. */
  public static final Comparator<AwaitingUpload> BY_DEADLINE =
      Comparator.comparing(AwaitingUpload::deadline).thenComparing(upload -> upload.id().value());

  public AwaitingUpload {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(objectKey, "objectKey");
    Objects.requireNonNull(deadline, "deadline");
  }

  /**
   * {@code task} as a sweep sees it.
   *
   * @throws IllegalArgumentException if it is no presigned upload
   */
  public static AwaitingUpload of(UploadTask task) {
    DirectUpload upload =
        task.directUpload()
            .orElseThrow(
                () -> new IllegalArgumentException("task " + task.id() + " is no direct upload"));
    return new AwaitingUpload(
        task.id(), task.owner(), task.objectKey(), upload.expiresAt(), upload.isMultipart());
  }

  /** Whether its window has closed at {@code now}: the sweep completes or fails it now. */
  public boolean isDueAt(Instant now) {
    return now.isAfter(deadline);
  }
}
