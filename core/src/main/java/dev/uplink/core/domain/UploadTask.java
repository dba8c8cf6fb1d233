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

  /** A freshly uploaded task, waiting for a worker. */
  public static UploadTask pending(
      TaskId id,
      String owner,
      Destination destination,
      String objectKey,
      long size,
      String sha256,
      Instant now) {
    return builder(id, owner, destination, objectKey, size, sha256, TaskStatus.PENDING, now)
        .build();
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
    return builder(id, owner, destination, objectKey, size, sha256, TaskStatus.AWAITING_UPLOAD, now)
        .directUpload(Optional.of(directUpload))
        .build();
  }

  /**
   * A new task in {@code status}, created at {@code now}: no attempts, error, lease, direct upload,
   * progress, key or seal; its timeline says it was created in {@code status}.
   */
  public static Builder builder(
      TaskId id,
      String owner,
      Destination destination,
      String objectKey,
      long size,
      String sha256,
      TaskStatus status,
      Instant now) {
    var builder = new Builder();
    builder.id = id;
    builder.owner = owner;
    builder.destination = destination;
    builder.objectKey = objectKey;
    builder.size = size;
    builder.sha256 = sha256;
    builder.status = status;
    builder.createdAt = now;
    builder.updatedAt = now;
    builder.timeline = List.of(Transition.created(status, now));
    return builder;
  }

  /** A builder holding this task's fields, to make a copy with some of them changed. */
  public Builder toBuilder() {
    var b = new Builder();
    b.id = id;
    b.owner = owner;
    b.destination = destination;
    b.objectKey = objectKey;
    b.size = size;
    b.sha256 = sha256;
    b.status = status;
    b.attempts = attempts;
    b.lastError = lastError;
    b.leaseUntil = leaseUntil;
    b.createdAt = createdAt;
    b.updatedAt = updatedAt;
    b.directUpload = directUpload;
    b.bytesPushed = bytesPushed;
    b.idempotencyKey = idempotencyKey;
    b.timeline = timeline;
    b.seal = seal;
    return b;
  }

  /** This task, to be created under the owner's {@code Idempotency-Key}. */
  public UploadTask withIdempotencyKey(String key) {
    return toBuilder().idempotencyKey(Optional.of(key)).build();
  }

  /** This task with {@code newSeal} ({@link TaskSealer#seal}). */
  public UploadTask withSeal(String newSeal) {
    return toBuilder().seal(Optional.of(newSeal)).build();
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

  /**
   * Builds a task field by field: from {@link #toBuilder()} (a changed copy) or {@link #builder} (a
   * new task). The record's checks run in {@link #build()}.
   */
  public static final class Builder {
    private TaskId id;
    private String owner;
    private Destination destination;
    private String objectKey;
    private long size;
    private String sha256;
    private TaskStatus status;
    private int attempts;
    private Optional<TaskError> lastError = Optional.empty();
    private Optional<Instant> leaseUntil = Optional.empty();
    private Instant createdAt;
    private Instant updatedAt;
    private Optional<DirectUpload> directUpload = Optional.empty();
    private long bytesPushed;
    private Optional<String> idempotencyKey = Optional.empty();
    private List<Transition> timeline = List.of();
    private Optional<String> seal = Optional.empty();

    private Builder() {}

    public Builder id(TaskId id) {
      this.id = id;
      return this;
    }

    public Builder owner(String owner) {
      this.owner = owner;
      return this;
    }

    public Builder destination(Destination destination) {
      this.destination = destination;
      return this;
    }

    public Builder objectKey(String objectKey) {
      this.objectKey = objectKey;
      return this;
    }

    public Builder size(long size) {
      this.size = size;
      return this;
    }

    public Builder sha256(String sha256) {
      this.sha256 = sha256;
      return this;
    }

    public Builder status(TaskStatus status) {
      this.status = status;
      return this;
    }

    public Builder attempts(int attempts) {
      this.attempts = attempts;
      return this;
    }

    public Builder lastError(Optional<TaskError> lastError) {
      this.lastError = lastError;
      return this;
    }

    public Builder leaseUntil(Optional<Instant> leaseUntil) {
      this.leaseUntil = leaseUntil;
      return this;
    }

    public Builder createdAt(Instant createdAt) {
      this.createdAt = createdAt;
      return this;
    }

    public Builder updatedAt(Instant updatedAt) {
      this.updatedAt = updatedAt;
      return this;
    }

    public Builder directUpload(Optional<DirectUpload> directUpload) {
      this.directUpload = directUpload;
      return this;
    }

    public Builder bytesPushed(long bytesPushed) {
      this.bytesPushed = bytesPushed;
      return this;
    }

    public Builder idempotencyKey(Optional<String> idempotencyKey) {
      this.idempotencyKey = idempotencyKey;
      return this;
    }

    public Builder timeline(List<Transition> timeline) {
      this.timeline = timeline;
      return this;
    }

    public Builder seal(Optional<String> seal) {
      this.seal = seal;
      return this;
    }

    public UploadTask build() {
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
          seal);
    }
  }
}
