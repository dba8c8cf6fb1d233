package dev.uplink.api;

import dev.uplink.api.RequestRejectedException.Reason;
import dev.uplink.core.domain.AwaitingUpload;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.DirectUpload;
import dev.uplink.core.domain.DirectUploads;
import dev.uplink.core.domain.DirectUploads.ObjectFacts;
import dev.uplink.core.domain.DirectUploads.PresignedRequest;
import dev.uplink.core.domain.DirectUploads.UploadedPart;
import dev.uplink.core.domain.IdempotencyKeyTakenException;
import dev.uplink.core.domain.ObjectMissingException;
import dev.uplink.core.domain.ObjectStore;
import dev.uplink.core.domain.TaskConflictException;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskQueue;
import dev.uplink.core.domain.TaskSealer;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.TaskStore;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.logging.TaskLogContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
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
  private final ObjectStore objects;
  private final TaskQueue queue;
  private final Clock clock;
  private final UploadLimits limits;
  private final IdempotencyKeys idempotency;
  private final Optional<TaskSealer> sealer;
  private final UploadSweep sweep;

  /** A service that seals nothing. */
  public DirectUploadService(
      TaskStore tasks,
      DirectUploads uploads,
      ObjectStore objects,
      TaskQueue queue,
      Clock clock,
      UploadLimits limits) {
    this(tasks, uploads, objects, queue, clock, limits, Optional.empty());
  }

  /**
   * @param sealer seals every task it creates, so the processor can tell it was not rewritten
   */
  public DirectUploadService(
      TaskStore tasks,
      DirectUploads uploads,
      ObjectStore objects,
      TaskQueue queue,
      Clock clock,
      UploadLimits limits,
      Optional<TaskSealer> sealer) {
    this.sealer = Objects.requireNonNull(sealer, "sealer");
    this.tasks = Objects.requireNonNull(tasks, "tasks");
    this.uploads = Objects.requireNonNull(uploads, "uploads");
    this.objects = Objects.requireNonNull(objects, "objects");
    this.queue = Objects.requireNonNull(queue, "queue");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.limits = Objects.requireNonNull(limits, "limits");
    this.idempotency = new IdempotencyKeys(tasks);
    this.sweep = new UploadSweep(tasks, this::settleDue, this::completeIfUploaded);
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
   * @throws ServiceUnavailableException if the task store failed
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
    Optional<UploadTask> replay =
        idempotency.replay(
            caller.owner(),
            idempotencyKey,
            t -> sameDeclaration(t, false, destination, size, sha256Hex));
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
            UploadService.objectKeyFor(id),
            size,
            sha256Hex,
            DirectUpload.singlePut(now.plus(limits.uploadWindow())),
            now);
    UploadTask recorded =
        record(
            seal(task),
            idempotencyKey,
            t -> sameDeclaration(t, false, destination, size, sha256Hex),
            Optional.empty());
    return ticket(recorded);
  }

  /**
   * Records a task for a multipart upload of {@code size} bytes, starting the store's multipart
   * upload; the part size is {@link UploadLimits#partSizeFor}.
   *
   * @throws RequestRejectedException FORBIDDEN, TOO_LARGE, INVALID, IDEMPOTENCY_MISMATCH
   * @throws ServiceUnavailableException if the object store or task store failed
   */
  public UploadTask startMultipart(
      Caller caller,
      Destination destination,
      long size,
      String sha256Hex,
      Optional<String> idempotencyKey) {
    requireDeclaration(caller, destination, size, sha256Hex);
    Optional<UploadTask> replay =
        idempotency.replay(
            caller.owner(),
            idempotencyKey,
            t -> sameDeclaration(t, true, destination, size, sha256Hex));
    if (replay.isPresent()) {
      return replay.get();
    }
    TaskId id = TaskId.newId();
    String key = UploadService.objectKeyFor(id);
    String uploadId;
    try {
      uploadId = uploads.startMultipart(key);
    } catch (RuntimeException e) {
      throw new ServiceUnavailableException("object store", Optional.empty(), e);
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
    return record(
        seal(task),
        idempotencyKey,
        t -> sameDeclaration(t, true, destination, size, sha256Hex),
        Optional.of(uploadId));
  }

  /**
   * A presigned URL for part {@code partNumber} of the caller's multipart upload; its signature
   * covers the part's exact length.
   *
   * @throws RequestRejectedException NOT_FOUND, INVALID (not multipart, part out of range),
   *     WRONG_STATUS (no longer awaiting its upload, or past its window)
   */
  public PresignedRequest presignPart(String owner, String id, int partNumber) {
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
          urlExpiry(upload));
    } catch (RuntimeException e) {
      throw new ServiceUnavailableException("object store", Optional.empty(), e);
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
      throw new ServiceUnavailableException("object store", Optional.empty(), e);
    }
  }

  /**
   * The client says its upload is done: checks it and moves the task to PENDING. Completing a task
   * already completed answers it unchanged.
   *
   * @throws RequestRejectedException NOT_FOUND, UPLOAD_INCOMPLETE (nothing or not all parts there
   *     yet: upload and complete again), UPLOAD_MISMATCH (the task is now FAILED), WRONG_STATUS
   *     (FAILED or CANCELLED)
   * @throws ServiceUnavailableException if a dependency failed; completing again is safe
   */
  public UploadTask complete(String owner, String id) {
    UploadTask task = find(owner, id);
    if (task.directUpload().isEmpty()) {
      if (task.status() == TaskStatus.FAILED || task.status() == TaskStatus.CANCELLED) {
        throw RequestRejectedException.wrongStatus(task, "completed");
      }
      return task; // streamed through the API: complete from the start
    }
    return completeTask(task);
  }

  /**
   * The object store announced {@code objectKey}: completes its task if it is one awaiting its
   * upload. Keys that are not tasks', and tasks already completed, are ignored.
   *
   * @return the task, if the key is a task's
   * @throws ServiceUnavailableException if a dependency failed (the event should be retried)
   */
  public Optional<UploadTask> completeObject(String objectKey) {
    Optional<TaskId> id = UploadService.taskIdOf(objectKey);
    if (id.isEmpty()) {
      return Optional.empty();
    }
    Optional<UploadTask> task = read(id.get());
    if (task.isEmpty() || task.get().status() != TaskStatus.AWAITING_UPLOAD) {
      return task;
    }
    try (var logContext = TaskLogContext.of(task.get())) {
      return Optional.of(completeTask(task.get()));
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

  /** An upload whose window closed: completed if its object arrived, else failed. */
  private boolean settleDue(AwaitingUpload upload) {
    Optional<UploadTask> task =
        read(upload.id()).filter(t -> t.status() == TaskStatus.AWAITING_UPLOAD);
    if (task.isEmpty()) {
      return false; // completed or cancelled since the index was read
    }
    try (var logContext = TaskLogContext.of(task.get())) {
      return sweepOne(task.get());
    }
  }

  /** A single PUT still in its window: completed if its object has arrived. */
  private boolean completeIfUploaded(AwaitingUpload upload) {
    if (uploads.inspect(upload.objectKey()).isEmpty()) {
      return false;
    }
    Optional<UploadTask> task =
        read(upload.id()).filter(t -> t.status() == TaskStatus.AWAITING_UPLOAD);
    if (task.isEmpty()) {
      return false;
    }
    try (var logContext = TaskLogContext.of(task.get())) {
      return completeTask(task.get()).status() != TaskStatus.AWAITING_UPLOAD;
    } catch (RequestRejectedException e) {
      return e.reason() == Reason.UPLOAD_MISMATCH;
    }
  }

  private boolean sweepOne(UploadTask task) {
    DirectUpload upload = task.directUpload().orElseThrow();
    boolean expired = now().isAfter(upload.expiresAt());
    if (!upload.isMultipart() && uploads.inspect(task.objectKey()).isPresent()) {
      try {
        return completeTask(task).status() != TaskStatus.AWAITING_UPLOAD;
      } catch (RequestRejectedException e) {
        return e.reason() == Reason.UPLOAD_MISMATCH;
      }
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
    abortParts(task);
    return true;
  }

  /** Discards the parts of the task's multipart upload, if it has one; failures are logged. */
  void abortParts(UploadTask task) {
    task.directUpload()
        .flatMap(DirectUpload::multipartUploadId)
        .ifPresent(uploadId -> abortQuietly(task.objectKey(), uploadId));
  }

  // --- completion -------------------------------------------------------------------------------

  private UploadTask completeTask(UploadTask task) {
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
      throw new ServiceUnavailableException("object store", Optional.empty(), e);
    }
    return markPendingAndPublish(task);
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
    Optional<String> known = facts.sha256Hex();
    if (known.isEmpty() && task.directUpload().map(DirectUpload::isMultipart).orElse(false)) {
      // Reading a multipart object back to hash it takes minutes for big files (10 GiB at ~140
      // MB/s outlasts API Gateway's 29 s): the parts' sizes were checked, and the processor hashes
      // the bytes as it streams them and fails the task (INTEGRITY_MISMATCH) before anything in the
      // instance is replaced.
      return Optional.empty();
    }
    String sha256 = known.orElseGet(() -> uploads.sha256Of(task.objectKey()));
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
      throw new ServiceUnavailableException("task store", Optional.empty(), e);
    }
    deleteQuietly(task.objectKey());
    throw new RequestRejectedException(Reason.UPLOAD_MISMATCH, reason, null, Optional.of(failed));
  }

  private UploadTask markPendingAndPublish(UploadTask task) {
    UploadTask pending;
    try {
      pending =
          tasks.transition(
              task.id(), TaskStatus.AWAITING_UPLOAD, TaskStatus.PENDING, Optional.empty(), now());
    } catch (TaskConflictException e) {
      // The other completer won (or the owner cancelled): only the winner publishes.
      UploadTask current = e.current().orElseThrow(RequestRejectedException::notFound);
      if (current.status() == TaskStatus.CANCELLED || current.status() == TaskStatus.FAILED) {
        throw RequestRejectedException.wrongStatus(current, "completed");
      }
      return current;
    } catch (RuntimeException e) {
      throw new ServiceUnavailableException("task store", Optional.empty(), e);
    }
    try {
      queue.publish(pending);
    } catch (RuntimeException e) {
      // PENDING is durable: the reconciler re-publishes it, so the file is not lost.
      throw new ServiceUnavailableException("task queue", Optional.of(task.id()), e);
    }
    return pending;
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
    UploadService.requireAllowed(caller, destination);
    if (size > limits.maxUploadBytes()) {
      throw new RequestRejectedException(
          Reason.TOO_LARGE,
          "The file is larger than the limit of " + limits.maxUploadBytes() + " bytes",
          "size",
          Optional.empty());
    }
  }

  private UploadTask seal(UploadTask task) {
    return sealer.map(s -> s.seal(task)).orElse(task);
  }

  private static boolean sameDeclaration(
      UploadTask task, boolean multipart, Destination destination, long size, String sha256) {
    return task.directUpload().map(u -> u.isMultipart() == multipart).orElse(false)
        && task.destination().equals(destination)
        && task.size() == size
        && task.sha256().equals(sha256);
  }

  private UploadTask record(
      UploadTask task,
      Optional<String> idempotencyKey,
      Predicate<UploadTask> sameRequest,
      Optional<String> multipartUploadId) {
    UploadTask toCreate = idempotencyKey.map(task::withIdempotencyKey).orElse(task);
    try {
      tasks.create(toCreate);
      return toCreate;
    } catch (IdempotencyKeyTakenException e) {
      multipartUploadId.ifPresent(u -> abortQuietly(task.objectKey(), u));
      return idempotency.winner(e, sameRequest);
    } catch (RuntimeException e) {
      multipartUploadId.ifPresent(u -> abortQuietly(task.objectKey(), u));
      throw new ServiceUnavailableException("task store", Optional.empty(), e);
    }
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
      throw new ServiceUnavailableException("object store", Optional.of(task.id()), e);
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
      throw new ServiceUnavailableException("task store", Optional.empty(), e);
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

  private void abortQuietly(String key, String uploadId) {
    try {
      uploads.abortMultipart(key, uploadId);
    } catch (RuntimeException e) {
      LOG.warn("Could not abort multipart upload of {}; the lifecycle rule will", key, e);
    }
  }

  private void deleteQuietly(String key) {
    try {
      objects.delete(key);
    } catch (RuntimeException e) {
      LOG.warn("Could not delete mismatching object {}; a lifecycle rule must expire it", key, e);
    }
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }
}
