package dev.uplink.core.domain;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One file on its way into an Incus instance.
 *
 * @param id sortable identity
 * @param owner the API caller the task belongs to; only they may see it
 * @param destination where the file goes
 * @param objectKey where the bytes wait in the object store
 * @param size number of bytes
 * @param sha256 lowercase hex SHA-256 of the bytes, computed while they were uploaded
 * @param status where the task is in its life ({@link TaskStatus})
 * @param attempts how many times a worker has claimed the task
 * @param lastError why the last attempt failed, if it did
 * @param leaseUntil while PROCESSING: until when the worker holding the claim owns it; a worker
 *     that dies stops extending it, and once it has passed the task may be claimed again
 * @param createdAt when the task was recorded
 * @param updatedAt when its status last changed
 * @param directUpload for a presigned upload: how the client sends the bytes straight to the object
 *     store, and until when
 * @param bytesPushed while PROCESSING: how many bytes the current attempt has pushed so far (its
 *     progress, updated every few seconds); 0 before the first push
 * @param idempotencyKey the {@code Idempotency-Key} the owner created the task with, if any
 * @param timeline every status change so far, oldest first: kept with the task, so an operator sees
 *     each attempt and why it failed even after a retry
 * @param seal the API's {@link TaskSealer seal} over what it accepted (owner, destination, object,
 *     size, SHA-256), when the API holds a seal key; the processor refuses a task whose seal does
 *     not verify
 */
public record UploadTask(
    TaskId id,
    String owner,
    Destination destination,
    String objectKey,
    long size,
    String sha256,
    TaskStatus status,
    int attempts,
    Optional<TaskError> lastError,
    Optional<Instant> leaseUntil,
    Instant createdAt,
    Instant updatedAt,
    Optional<DirectUpload> directUpload,
    long bytesPushed,
    Optional<String> idempotencyKey,
    List<Transition> timeline,
    Optional<String> seal) {

  public UploadTask {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(destination, "destination");
    Objects.requireNonNull(objectKey, "objectKey");
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(lastError, "lastError");
    Objects.requireNonNull(leaseUntil, "leaseUntil");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(updatedAt, "updatedAt");
    Objects.requireNonNull(directUpload, "directUpload");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    Objects.requireNonNull(seal, "seal");
    timeline = List.copyOf(timeline);
    if (size < 0) {
      throw new IllegalArgumentException("size must not be negative: " + size);
    }
    if (bytesPushed < 0) {
      throw new IllegalArgumentException("bytesPushed must not be negative: " + bytesPushed);
    }
  }

  /** A task without a seal. */
  public UploadTask(
      TaskId id,
      String owner,
      Destination destination,
      String objectKey,
      long size,
      String sha256,
      TaskStatus status,
      int attempts,
      Optional<TaskError> lastError,
      Optional<Instant> leaseUntil,
      Instant createdAt,
      Instant updatedAt,
      Optional<DirectUpload> directUpload,
      long bytesPushed,
      Optional<String> idempotencyKey,
      List<Transition> timeline) {
    this(
        id,
        owner,
        destination,
        objectKey,
        size,
        sha256,
        status,
        attempts,
        lastError,
        leaseUntil,
        createdAt,
        updatedAt,
        directUpload,
        bytesPushed,
        idempotencyKey,
        timeline,
        Optional.empty());
  }

  /** A task without a direct upload, progress, idempotency key, timeline or seal. */
  public UploadTask(
      TaskId id,
      String owner,
      Destination destination,
      String objectKey,
      long size,
      String sha256,
      TaskStatus status,
      int attempts,
      Optional<TaskError> lastError,
      Optional<Instant> leaseUntil,
      Instant createdAt,
      Instant updatedAt) {
    this(
        id,
        owner,
        destination,
        objectKey,
        size,
        sha256,
        status,
        attempts,
        lastError,
        leaseUntil,
        createdAt,
        updatedAt,
        Optional.empty(),
        0,
        Optional.empty(),
        List.of());
  }

  /** A freshly uploaded task, waiting for a worker. */
  public static UploadTask pending(
      TaskId id,
      String owner,
      Destination destination,
      String objectKey,
      long size,
      String sha256,
      Instant now) {
    return new UploadTask(
        id,
        owner,
        destination,
        objectKey,
        size,
        sha256,
        TaskStatus.PENDING,
        0,
        Optional.empty(),
        Optional.empty(),
        now,
        now,
        Optional.empty(),
        0,
        Optional.empty(),
        List.of(Transition.created(TaskStatus.PENDING, now)));
  }

  /**
   * A task whose bytes the client will upload straight to the object store: {@code size} and {@code
   * sha256} are what the client declared, and completing the upload checks the object against them.
   */
  public static UploadTask awaitingUpload(
      TaskId id,
      String owner,
      Destination destination,
      String objectKey,
      long size,
      String sha256,
      DirectUpload directUpload,
      Instant now) {
    return new UploadTask(
        id,
        owner,
        destination,
        objectKey,
        size,
        sha256,
        TaskStatus.AWAITING_UPLOAD,
        0,
        Optional.empty(),
        Optional.empty(),
        now,
        now,
        Optional.of(directUpload),
        0,
        Optional.empty(),
        List.of(Transition.created(TaskStatus.AWAITING_UPLOAD, now)));
  }

  /** This task, to be created under the owner's {@code Idempotency-Key}. */
  public UploadTask withIdempotencyKey(String key) {
    return new UploadTask(
        id,
        owner,
        destination,
        objectKey,
        size,
        sha256,
        status,
        attempts,
        lastError,
        leaseUntil,
        createdAt,
        updatedAt,
        directUpload,
        bytesPushed,
        Optional.of(key),
        timeline,
        seal);
  }

  /** This task with {@code newSeal} ({@link TaskSealer#seal}). */
  public UploadTask withSeal(String newSeal) {
    return new UploadTask(
        id,
        owner,
        destination,
        objectKey,
        size,
        sha256,
        status,
        attempts,
        lastError,
        leaseUntil,
        createdAt,
        updatedAt,
        directUpload,
        bytesPushed,
        idempotencyKey,
        timeline,
        Optional.of(newSeal));
  }

  /** What a worker holding a message for this task should do at {@code now}. */
  public ClaimVerdict claimVerdict(Instant now) {
    return switch (status) {
      case PENDING -> ClaimVerdict.CLAIMABLE;
      case PROCESSING ->
          leaseUntil.isPresent() && leaseUntil.get().isAfter(now)
              ? ClaimVerdict.LEASED
              : ClaimVerdict.CLAIMABLE;
      case AWAITING_UPLOAD, DONE, FAILED, CANCELLED -> ClaimVerdict.FINISHED;
    };
  }

  public boolean isOwnedBy(String caller) {
    return owner.equals(caller);
  }
}
