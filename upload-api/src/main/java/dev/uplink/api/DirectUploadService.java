package dev.uplink.api;

import dev.uplink.api.RequestRejectedException.Reason;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.DirectUpload;
import dev.uplink.core.domain.DirectUploads;
import dev.uplink.core.domain.DirectUploads.PresignedRequest;
import dev.uplink.core.domain.DirectUploads.UploadedPart;
import dev.uplink.core.domain.ObjectMissingException;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.TaskStore;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.logging.TaskLogContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Presigned uploads: the client sends the bytes straight to the object store, so large files never
 * pass through the API.
 *
 * <ol>
 *   <li>{@link #presignPut} or {@link #startMultipart} records a task AWAITING_UPLOAD with the size
 *       and SHA-256 the client declares, and hands out presigned URLs.
 *   <li>The client uploads (one PUT, or parts it may retry, list and resume).
 *   <li>{@link #complete} (the client says it is done) or {@link #completeObject} (the store's
 *       object-created event) checks the stored object against the declaration and moves the task
 *       to PENDING, then publishes it. Both may happen, in either order, any number of times: the
 *       move is a conditional write, so only the first publishes. A mismatching object fails the
 *       task with UPLOAD_MISMATCH and is deleted.
 *   <li>{@link #sweep} completes tasks whose object arrived without either, and fails with
 *       UPLOAD_EXPIRED those not completed within the upload window (aborting their parts): every
 *       one whose window closed, and a bounded number of the others, owners taking turns.
 * </ol>
 */
public final class DirectUploadService {

  private static final Logger LOG = LoggerFactory.getLogger(DirectUploadService.class);
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  private final TaskStore tasks;
  private final DirectUploads uploads;
  private final StoredBytes bytes;
  private final TaskIntake intake;
  private final UploadCompletion completion;
  private final Clock clock;
  private final UploadLimits limits;
  private final UploadSweep sweep;
  private final KnownRemotes remotes;

  /**
   * @param bytes discards a multipart upload whose task could not be recorded
   * @param intake records the tasks and, once complete, publishes them
   */
  DirectUploadService(
      TaskStore tasks,
      DirectUploads uploads,
      StoredBytes bytes,
      TaskIntake intake,
      Clock clock,
      UploadLimits limits,
      KnownRemotes remotes) {
    this.remotes = Objects.requireNonNull(remotes, "remotes");
    this.tasks = Objects.requireNonNull(tasks, "tasks");
    this.uploads = Objects.requireNonNull(uploads, "uploads");
    this.bytes = Objects.requireNonNull(bytes, "bytes");
    this.intake = Objects.requireNonNull(intake, "intake");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.limits = Objects.requireNonNull(limits, "limits");
    this.completion = new UploadCompletion(tasks, uploads, bytes, intake, clock);
    this.sweep = new UploadSweep(tasks, completion::settleDue, completion::completeIfUploaded);
  }

  /**
   * A task AWAITING_UPLOAD, and (while it still awaits) a presigned URL for its upload.
   *
   * @param task the task as recorded
   * @param put for a single-PUT upload still awaiting its bytes: the request to make; empty for an
   *     upload in parts (ask {@link #presignPart}) and for a task already past AWAITING_UPLOAD (an
   *     idempotent replay)
   */
  public record Ticket(UploadTask task, Optional<PresignedRequest> put) {
    public Ticket {
      Objects.requireNonNull(task, "task");
      Objects.requireNonNull(put, "put");
    }
  }

  /**
   * Records a task for one presigned PUT of {@code size} bytes with SHA-256 {@code sha256Hex}.
   *
   * @throws RequestRejectedException FORBIDDEN, TOO_LARGE, INVALID ({@code size}, {@code sha256}),
   *     IDEMPOTENCY_MISMATCH
   * @throws DependencyFailedException if the task store failed
   */
  public Ticket presignPut(
      Caller caller,
      Destination destination,
      long size,
      String sha256Hex,
      Optional<String> idempotencyKey) {
    requireDeclaration(caller, destination, size, sha256Hex);
    if (size > UploadLimits.MAX_SINGLE_PUT) {
      throw RequestRejectedException.invalid(
          "size", "is larger than one PUT can carry (5 GiB): use a multipart upload");
    }
    Predicate<UploadTask> sameRequest =
        t -> sameDeclaration(t, false, destination, size, sha256Hex);
    Optional<UploadTask> replay = intake.replay(caller.owner(), idempotencyKey, sameRequest);
    if (replay.isPresent()) {
      return ticket(replay.get());
    }
    TaskId id = TaskId.newId();
    Instant now = now();
    var task =
        UploadTask.awaitingUpload(
            id,
            caller.owner(),
            destination,
            ObjectKeys.of(id),
            size,
            sha256Hex,
            DirectUpload.singlePut(now.plus(limits.uploadWindow())),
            now);
    // Nothing is stored yet: a task that is not recorded leaves nothing behind.
    return ticket(intake.record(task, idempotencyKey, sameRequest, () -> {}));
  }

  /** A multipart upload whose parts carry no checksum: {@link #startMultipart} without them. */
  public UploadTask startMultipart(
      Caller caller,
      Destination destination,
      long size,
      String sha256Hex,
      Optional<String> idempotencyKey) {
    return startMultipart(caller, destination, size, sha256Hex, false, idempotencyKey);
  }

  /**
   * Records a task for a multipart upload of {@code size} bytes, starting the store's multipart
   * upload; the part size is {@link UploadLimits#partSizeFor}.
   *
   * @param sha256Parts whether the client will give every part's SHA-256 when it asks for the
   *     part's URL ({@link #presignPart}), so that the store refuses a corrupted part; the store
   *     holds the client to that choice (S3 refuses a part that breaks it). An idempotent replay
   *     answers the task as first declared, whatever this says.
   * @throws RequestRejectedException FORBIDDEN, TOO_LARGE, INVALID, IDEMPOTENCY_MISMATCH
   * @throws DependencyFailedException if the object store or task store failed
   */
  public UploadTask startMultipart(
      Caller caller,
      Destination destination,
      long size,
      String sha256Hex,
      boolean sha256Parts,
      Optional<String> idempotencyKey) {
    requireDeclaration(caller, destination, size, sha256Hex);
    Predicate<UploadTask> sameRequest = t -> sameDeclaration(t, true, destination, size, sha256Hex);
    Optional<UploadTask> replay = intake.replay(caller.owner(), idempotencyKey, sameRequest);
    if (replay.isPresent()) {
      return replay.get();
    }
    TaskId id = TaskId.newId();
    String key = ObjectKeys.of(id);
    String uploadId;
    try {
      uploadId = uploads.startMultipart(key, sha256Parts);
    } catch (RuntimeException e) {
      throw new DependencyFailedException("object store", Optional.empty(), e);
    }
    Instant now = now();
    var task =
        UploadTask.awaitingUpload(
            id,
            caller.owner(),
            destination,
            key,
            size,
            sha256Hex,
            DirectUpload.inParts(
                uploadId, limits.partSizeFor(size), now.plus(limits.uploadWindow())),
            now);
    return intake.record(task, idempotencyKey, sameRequest, () -> bytes.abortParts(key, uploadId));
  }

  /**
   * A presigned URL for part {@code partNumber} of the caller's multipart upload; its signature
   * covers the part's exact length and, when the client gives it, the part's SHA-256, so that the
   * store refuses other bytes.
   *
   * @param sha256Hex the part's SHA-256 as 64 lowercase hex digits, for an upload declared with
   *     part checksums
   * @throws RequestRejectedException NOT_FOUND, INVALID (not multipart, part out of range, a
   *     malformed {@code sha256}), WRONG_STATUS (no longer awaiting its upload, or past its window)
   */
  public PresignedRequest presignPart(
      String owner, String id, int partNumber, Optional<String> sha256Hex) {
    sha256Hex.ifPresent(
        sha256 -> {
          if (!SHA256_HEX.matcher(sha256).matches()) {
            throw RequestRejectedException.invalid(
                "sha256", "must be the part's SHA-256 as 64 lowercase hex digits");
          }
        });
    UploadTask task = requireAwaiting(owner, id, "given part URLs");
    DirectUpload upload = requireMultipart(task);
    int count = upload.partCount(task.size());
    if (partNumber < 1 || partNumber > count) {
      throw RequestRejectedException.invalid(
          "partNumber", "must be 1-" + count + " for this upload, got " + partNumber);
    }
    try {
      return uploads.presignPart(
          task.objectKey(),
          upload.multipartUploadId().orElseThrow(),
          partNumber,
          upload.partLength(partNumber, task.size()),
          sha256Hex,
          urlExpiry(upload));
    } catch (RuntimeException e) {
      throw new DependencyFailedException("object store", Optional.empty(), e);
    }
  }

  /**
   * The parts of the caller's multipart upload the store holds: what a client resuming after a
   * broken connection still has to send.
   *
   * @throws RequestRejectedException NOT_FOUND, INVALID (not multipart), WRONG_STATUS
   */
  public List<UploadedPart> listParts(String owner, String id) {
    UploadTask task = requireAwaiting(owner, id, "listed");
    DirectUpload upload = requireMultipart(task);
    try {
      return uploads.listParts(task.objectKey(), upload.multipartUploadId().orElseThrow());
    } catch (ObjectMissingException e) {
      throw RequestRejectedException.wrongStatus(task, "listed: its upload no longer exists");
    } catch (RuntimeException e) {
      throw new DependencyFailedException("object store", Optional.empty(), e);
    }
  }

  /**
   * The client says its upload is done: checks it and moves the task to PENDING. Completing a task
   * already completed answers it unchanged.
   *
   * @throws RequestRejectedException NOT_FOUND, UPLOAD_INCOMPLETE (nothing or not all parts there
   *     yet: upload and complete again), UPLOAD_MISMATCH (the task is now FAILED), WRONG_STATUS
   *     (FAILED or CANCELLED)
   * @throws DependencyFailedException if a dependency failed; completing again is safe
   */
  public UploadTask complete(String owner, String id) {
    UploadTask task = find(owner, id);
    if (task.directUpload().isEmpty()) {
      if (task.status() == TaskStatus.FAILED || task.status() == TaskStatus.CANCELLED) {
        throw RequestRejectedException.wrongStatus(task, "completed");
      }
      return task; // streamed through the API: complete from the start
    }
    return completion.complete(task);
  }

  /**
   * The object store announced {@code objectKey}: completes its task if it is one awaiting its
   * upload. Keys that are not tasks', and tasks already completed, are ignored.
   *
   * @return the task, if the key is a task's
   * @throws DependencyFailedException if a dependency failed (the event should be retried)
   */
  public Optional<UploadTask> completeObject(String objectKey) {
    Optional<TaskId> id = ObjectKeys.taskOf(objectKey);
    if (id.isEmpty()) {
      return Optional.empty();
    }
    Optional<UploadTask> task = read(id.get());
    if (task.isEmpty() || task.get().status() != TaskStatus.AWAITING_UPLOAD) {
      return task;
    }
    try (var logContext = TaskLogContext.of(task.get())) {
      return Optional.of(completion.complete(task.get()));
    } catch (RequestRejectedException e) {
      LOG.info("Object {} did not complete task {}: {}", objectKey, id.get(), e.getMessage());
      return e.task().or(() -> read(id.get()));
    }
  }

  /**
   * One pass over the tasks AWAITING_UPLOAD, by the deadline of their upload: fails with
   * UPLOAD_EXPIRED every one past its window (aborting its parts), however many, unless its object
   * arrived; and, for stores without object-created events (such as the local emulator) or whose
   * event was lost, completes single PUTs whose object has arrived, looking at no more than {@code
   * checks} objects, owners taking turns, so that one owner's thousands of abandoned presigns never
   * keep another owner's finished upload waiting. Each pass goes on where the last one stopped.
   *
   * @param checks how many objects the pass may look at for a completion (0 or more)
   * @return how many tasks changed
   */
  public int sweep(int checks) {
    return sweep.run(now(), checks);
  }

  // --- helpers ----------------------------------------------------------------------------------

  private void requireDeclaration(
      Caller caller, Destination destination, long size, String sha256Hex) {
    Objects.requireNonNull(caller, "caller");
    Objects.requireNonNull(destination, "destination");
    if (sha256Hex == null || !SHA256_HEX.matcher(sha256Hex).matches()) {
      throw RequestRejectedException.invalid(
          "sha256", "must be the file's SHA-256 as 64 lowercase hex digits");
    }
    if (size < 1) {
      throw RequestRejectedException.invalid("size", "must be at least 1 byte");
    }
    remotes.require(destination);
    DestinationPermission.require(caller, destination);
    if (size > limits.maxUploadBytes()) {
      throw new RequestRejectedException(
          Reason.TOO_LARGE,
          "The file is larger than the limit of " + limits.maxUploadBytes() + " bytes",
          "size",
          Optional.empty());
    }
  }

  private static boolean sameDeclaration(
      UploadTask task, boolean multipart, Destination destination, long size, String sha256) {
    return task.directUpload().map(u -> u.isMultipart() == multipart).orElse(false)
        && task.destination().equals(destination)
        && task.size() == size
        && task.sha256().equals(sha256);
  }

  private Ticket ticket(UploadTask task) {
    if (task.status() != TaskStatus.AWAITING_UPLOAD
        || task.directUpload().map(DirectUpload::isMultipart).orElse(true)
        || now().isAfter(task.directUpload().get().expiresAt())) {
      return new Ticket(task, Optional.empty());
    }
    try {
      return new Ticket(
          task,
          Optional.of(
              uploads.presignPut(
                  task.objectKey(),
                  task.size(),
                  task.sha256(),
                  urlExpiry(task.directUpload().get()))));
    } catch (RuntimeException e) {
      throw new DependencyFailedException("object store", Optional.of(task.id()), e);
    }
  }

  /** URLs expire after the configured expiry, or at the end of the window if that is sooner. */
  private Duration urlExpiry(DirectUpload upload) {
    Duration left = Duration.between(now(), upload.expiresAt());
    return left.compareTo(limits.presignExpiry()) < 0 ? left : limits.presignExpiry();
  }

  private UploadTask find(String owner, String id) {
    if (!TaskId.isValid(id)) {
      throw RequestRejectedException.notFound();
    }
    return read(new TaskId(id))
        .filter(t -> t.isOwnedBy(owner))
        .orElseThrow(RequestRejectedException::notFound);
  }

  private Optional<UploadTask> read(TaskId id) {
    try {
      return tasks.find(id);
    } catch (RuntimeException e) {
      throw new DependencyFailedException("task store", Optional.empty(), e);
    }
  }

  private UploadTask requireAwaiting(String owner, String id, String action) {
    UploadTask task = find(owner, id);
    if (task.status() != TaskStatus.AWAITING_UPLOAD) {
      throw RequestRejectedException.wrongStatus(task, action);
    }
    if (now().isAfter(task.directUpload().orElseThrow().expiresAt())) {
      throw RequestRejectedException.wrongStatus(task, action + ": its upload window has closed");
    }
    return task;
  }

  private static DirectUpload requireMultipart(UploadTask task) {
    return task.directUpload()
        .filter(DirectUpload::isMultipart)
        .orElseThrow(
            () ->
                RequestRejectedException.invalid(
                    "id", "this task is not a multipart upload: it has one presigned PUT"));
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }
}
