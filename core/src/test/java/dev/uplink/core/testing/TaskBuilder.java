package dev.uplink.core.testing;

import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.DirectUpload;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.Transition;
import dev.uplink.core.domain.UploadTask;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Builds the {@link UploadTask}s tests start from, so that each test says only what it cares about
 * and the rest stays the same everywhere (shared through core's test-jar).
 *
 * <pre>{@code
 * UploadTask task = aTask().ownedBy("bob").to("db", "/srv/a.bin").createdAt(NOW).build();
 * UploadTask failed = aTask().in(TaskStatus.FAILED).attempts(3).failedWith(error).build();
 * }</pre>
 *
 * By default: a fresh id, alice's, 1 byte for {@code web-1:/srv/file.bin} under {@code
 * uploads/<id>}, created now, PENDING as {@link UploadTask#pending} makes it (AWAITING_UPLOAD as
 * {@link UploadTask#awaitingUpload} makes it after {@link #awaitingUpload}). A task put {@link
 * #in(TaskStatus) in} another status is built whole, with an empty timeline unless one is given.
 */
public final class TaskBuilder {

  /** SHA-256 of no bytes: a valid digest for tests that never read the content. */
  public static final String EMPTY_SHA256 =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  private TaskId id = TaskId.newId();
  private String owner = "alice";
  private Destination destination = Destination.of("web-1", "/srv/file.bin");
  private Optional<String> objectKey = Optional.empty();
  private long size = 1;
  private String sha256 = EMPTY_SHA256;
  private Instant createdAt = Instant.now();
  private Optional<DirectUpload> directUpload = Optional.empty();
  private Optional<String> idempotencyKey = Optional.empty();
  private Optional<TaskStatus> status = Optional.empty();
  private int attempts;
  private Optional<TaskError> lastError = Optional.empty();
  private Optional<Instant> leaseUntil = Optional.empty();
  private Optional<Instant> updatedAt = Optional.empty();
  private List<Transition> timeline = List.of();

  private TaskBuilder() {}

  /** A PENDING task of alice's; see the class comment for every default. */
  public static TaskBuilder aTask() {
    return new TaskBuilder();
  }

  public TaskBuilder withId(TaskId newId) {
    this.id = newId;
    return this;
  }

  public TaskBuilder ownedBy(String newOwner) {
    this.owner = newOwner;
    return this;
  }

  public TaskBuilder to(Destination newDestination) {
    this.destination = newDestination;
    return this;
  }

  /** To {@code path} in {@code instance}, with the default mode and ownership. */
  public TaskBuilder to(String instance, String path) {
    return to(Destination.of(instance, path));
  }

  /** Where the bytes wait in the object store; {@code uploads/<id>} unless set. */
  public TaskBuilder objectKey(String key) {
    this.objectKey = Optional.of(key);
    return this;
  }

  public TaskBuilder size(long bytes) {
    this.size = bytes;
    return this;
  }

  public TaskBuilder sha256(String hex) {
    this.sha256 = hex;
    return this;
  }

  public TaskBuilder createdAt(Instant at) {
    this.createdAt = at;
    return this;
  }

  /** A presigned upload: AWAITING_UPLOAD until the client has sent the bytes this way. */
  public TaskBuilder awaitingUpload(DirectUpload upload) {
    this.directUpload = Optional.of(upload);
    return this;
  }

  public TaskBuilder idempotencyKey(String key) {
    this.idempotencyKey = Optional.of(key);
    return this;
  }

  /** A task already past its creation, in {@code newStatus}. */
  public TaskBuilder in(TaskStatus newStatus) {
    this.status = Optional.of(newStatus);
    return this;
  }

  public TaskBuilder attempts(int count) {
    this.attempts = count;
    return this;
  }

  public TaskBuilder failedWith(TaskError error) {
    this.lastError = Optional.of(error);
    return this;
  }

  public TaskBuilder leasedUntil(Optional<Instant> until) {
    this.leaseUntil = until;
    return this;
  }

  public TaskBuilder leasedUntil(Instant until) {
    return leasedUntil(Optional.of(until));
  }

  /** When its status last changed; its creation time unless set. */
  public TaskBuilder updatedAt(Instant at) {
    this.updatedAt = Optional.of(at);
    return this;
  }

  public TaskBuilder timeline(List<Transition> transitions) {
    this.timeline = List.copyOf(transitions);
    return this;
  }

  public UploadTask build() {
    String key = objectKey.orElse("uploads/" + id.value());
    UploadTask task =
        status.isPresent()
            ? UploadTask.builder(id, owner, destination, key, size, sha256, status.get(), createdAt)
                .attempts(attempts)
                .lastError(lastError)
                .leaseUntil(leaseUntil)
                .updatedAt(updatedAt.orElse(createdAt))
                .directUpload(directUpload)
                .timeline(timeline)
                .build()
            : directUpload
                .map(
                    upload ->
                        UploadTask.awaitingUpload(
                            id, owner, destination, key, size, sha256, upload, createdAt))
                .orElseGet(
                    () -> UploadTask.pending(id, owner, destination, key, size, sha256, createdAt));
    return idempotencyKey.map(task::withIdempotencyKey).orElse(task);
  }
}
