package dev.uplink.api;

import dev.uplink.api.RequestRejectedException.Reason;
import dev.uplink.core.domain.AwaitingUpload;
import dev.uplink.core.domain.DirectUpload;
import dev.uplink.core.domain.DirectUploads;
import dev.uplink.core.domain.DirectUploads.ObjectFacts;
import dev.uplink.core.domain.DirectUploads.UploadedPart;
import dev.uplink.core.domain.ObjectMissingException;
import dev.uplink.core.domain.TaskConflictException;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.TaskStore;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.logging.TaskLogContext;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The end of a presigned upload: checks the stored object against what the client declared (size
 * and SHA-256 of a single PUT; every part's size, and the parts' checksums the store holds, of a
 * multipart upload, whose object is never read back here) and hands the task to the {@link
 * TaskIntake}; a mismatching object fails the task with UPLOAD_MISMATCH and is deleted. Also what
 * the sweep does with one upload: complete it if its object arrived, fail it with UPLOAD_EXPIRED
 * once its window closed.
 *
 * <p>Completion may be asked any number of times, concurrently, by the client, the object store's
 * event and the sweep: the move to PENDING is a conditional write, so only the first publishes.
 */
final class UploadCompletion {

  private final TaskStore tasks;
  private final DirectUploads uploads;
  private final StoredBytes bytes;
  private final TaskIntake intake;
  private final Clock clock;

  UploadCompletion(
      TaskStore tasks, DirectUploads uploads, StoredBytes bytes, TaskIntake intake, Clock clock) {
    this.tasks = Objects.requireNonNull(tasks, "tasks");
    this.uploads = Objects.requireNonNull(uploads, "uploads");
    this.bytes = Objects.requireNonNull(bytes, "bytes");
    this.intake = Objects.requireNonNull(intake, "intake");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Completes {@code task} if it still awaits its upload; a task already PENDING, PROCESSING or
   * DONE is answered unchanged.
   *
   * @throws RequestRejectedException UPLOAD_INCOMPLETE (nothing or not all parts there yet),
   *     UPLOAD_MISMATCH (the task is now FAILED), WRONG_STATUS (FAILED or CANCELLED)
   * @throws DependencyFailedException if a dependency failed; completing again is safe
   */
  UploadTask complete(UploadTask task) {
    switch (task.status()) {
      case AWAITING_UPLOAD:
        break;
      case PENDING:
      case PROCESSING:
      case DONE:
        return task;
      default:
        throw RequestRejectedException.wrongStatus(task, "completed");
    }
    DirectUpload upload = task.directUpload().orElseThrow();
    try {
      upload.multipartUploadId().ifPresent(uploadId -> assemble(task, upload, uploadId));
      ObjectFacts facts =
          uploads
              .inspect(task.objectKey())
              .orElseThrow(
                  () ->
                      new RequestRejectedException(
                          Reason.UPLOAD_INCOMPLETE,
                          "Nothing has been uploaded for this task yet",
                          null,
                          Optional.of(task)));
      Optional<String> mismatch = mismatch(task, facts);
      if (mismatch.isPresent()) {
        return fail(task, mismatch.get());
      }
    } catch (RequestRejectedException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new DependencyFailedException("object store", Optional.empty(), e);
    }
    return intake.markPendingAndPublish(task);
  }

  /**
   * An upload whose window closed (for the sweep): completed if its object arrived, else failed.
   */
  boolean settleDue(AwaitingUpload upload) {
    Optional<UploadTask> task = awaiting(upload.id());
    if (task.isEmpty()) {
      return false; // completed or cancelled since the index was read
    }
    try (var logContext = TaskLogContext.of(task.get())) {
      return settle(task.get());
    }
  }

  /** A single PUT still in its window (for the sweep): completed if its object has arrived. */
  boolean completeIfUploaded(AwaitingUpload upload) {
    if (uploads.inspect(upload.objectKey()).isEmpty()) {
      return false;
    }
    Optional<UploadTask> task = awaiting(upload.id());
    if (task.isEmpty()) {
      return false;
    }
    try (var logContext = TaskLogContext.of(task.get())) {
      return completedOrFailed(task.get());
    }
  }

  private boolean settle(UploadTask task) {
    DirectUpload upload = task.directUpload().orElseThrow();
    boolean expired = now().isAfter(upload.expiresAt());
    if (!upload.isMultipart() && uploads.inspect(task.objectKey()).isPresent()) {
      return completedOrFailed(task);
    }
    if (!expired) {
      return false;
    }
    try {
      tasks.transition(
          task.id(),
          TaskStatus.AWAITING_UPLOAD,
          TaskStatus.FAILED,
          Optional.of(
              new TaskError(
                  TaskError.UPLOAD_EXPIRED,
                  "The upload was not completed by " + upload.expiresAt())),
          now());
    } catch (TaskConflictException e) {
      return false; // completed or cancelled meanwhile
    }
    bytes.abortParts(task);
    return true;
  }

  /** Whether completing {@code task} changed it: to PENDING, or to FAILED by a mismatch. */
  private boolean completedOrFailed(UploadTask task) {
    try {
      return complete(task).status() != TaskStatus.AWAITING_UPLOAD;
    } catch (RequestRejectedException e) {
      return e.reason() == Reason.UPLOAD_MISMATCH;
    }
  }

  private Optional<UploadTask> awaiting(TaskId id) {
    Optional<UploadTask> task;
    try {
      task = tasks.find(id);
    } catch (RuntimeException e) {
      throw new DependencyFailedException("task store", Optional.empty(), e);
    }
    return task.filter(t -> t.status() == TaskStatus.AWAITING_UPLOAD);
  }

  /** Assembles the parts; a multipart upload that no longer exists was assembled already. */
  private void assemble(UploadTask task, DirectUpload upload, String uploadId) {
    List<UploadedPart> parts;
    try {
      parts = uploads.listParts(task.objectKey(), uploadId);
    } catch (ObjectMissingException e) {
      return; // completed by a racing completer (or aborted: inspect finds no object)
    }
    int count = upload.partCount(task.size());
    var problems = new ArrayList<String>();
    var byNumber = new UploadedPart[count + 1];
    for (UploadedPart part : parts) {
      if (part.number() > count) {
        problems.add("part " + part.number() + " is beyond the last part " + count);
      } else {
        byNumber[part.number()] = part;
      }
    }
    for (int n = 1; n <= count; n++) {
      long expected = upload.partLength(n, task.size());
      if (byNumber[n] == null) {
        problems.add("part " + n + " is missing");
      } else if (byNumber[n].size() != expected) {
        problems.add("part " + n + " has " + byNumber[n].size() + " bytes, not " + expected);
      }
    }
    if (!problems.isEmpty()) {
      throw new RequestRejectedException(
          Reason.UPLOAD_INCOMPLETE,
          "The upload is not complete: " + String.join("; ", problems),
          null,
          Optional.of(task));
    }
    var ordered = new ArrayList<UploadedPart>(count);
    for (int n = 1; n <= count; n++) {
      ordered.add(byNumber[n]);
    }
    try {
      uploads.completeMultipart(task.objectKey(), uploadId, ordered);
    } catch (ObjectMissingException e) {
      // A racing completer assembled it first.
    }
  }

  private Optional<String> mismatch(UploadTask task, ObjectFacts facts) {
    if (facts.size() != task.size()) {
      return Optional.of(
          "The uploaded object has %d bytes, but %d were declared"
              .formatted(facts.size(), task.size()));
    }
    if (task.directUpload().map(DirectUpload::isMultipart).orElse(false)) {
      // Reading a multipart object back to hash it takes minutes for big files (10 GiB at ~140
      // MB/s outlasts API Gateway's 29 s), and no store keeps its SHA-256: the parts' sizes were
      // checked, the store checked each part's SHA-256 if the client declared them, and the
      // processor hashes the bytes as it streams them and fails the task (INTEGRITY_MISMATCH)
      // before anything in the instance is replaced.
      return Optional.empty();
    }
    String sha256 = facts.sha256Hex().orElseGet(() -> uploads.sha256Of(task.objectKey()));
    if (!sha256.equalsIgnoreCase(task.sha256())) {
      return Optional.of(
          "The uploaded object has SHA-256 %s, but %s was declared"
              .formatted(sha256, task.sha256()));
    }
    return Optional.empty();
  }

  private UploadTask fail(UploadTask task, String reason) {
    UploadTask failed;
    try {
      failed =
          tasks.transition(
              task.id(),
              TaskStatus.AWAITING_UPLOAD,
              TaskStatus.FAILED,
              Optional.of(new TaskError(TaskError.UPLOAD_MISMATCH, reason)),
              now());
    } catch (TaskConflictException e) {
      return e.current().orElseThrow(RequestRejectedException::notFound);
    } catch (RuntimeException e) {
      throw new DependencyFailedException("task store", Optional.empty(), e);
    }
    bytes.delete(task.objectKey());
    throw new RequestRejectedException(Reason.UPLOAD_MISMATCH, reason, null, Optional.of(failed));
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }
}
