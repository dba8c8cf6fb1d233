package dev.uplink.api;

import dev.uplink.core.domain.IdempotencyKeyTakenException;
import dev.uplink.core.domain.TaskStore;
import dev.uplink.core.domain.UploadTask;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * {@code Idempotency-Key} handling: a retried request with a key the owner already used gets the
 * task the first request created, provided it asked for the same thing; a different request under
 * the same key is refused. The store takes the key atomically with the task, so of two concurrent
 * requests only one creates.
 */
final class IdempotencyKeys {

  /** Printable ASCII without spaces, as the IETF draft and common APIs allow; 1-255 long. */
  private static final Pattern KEY = Pattern.compile("[\\x21-\\x7E]{1,255}");

  private final TaskStore tasks;

  IdempotencyKeys(TaskStore tasks) {
    this.tasks = Objects.requireNonNull(tasks, "tasks");
  }

  /** Rejects a malformed key (INVALID, field {@code Idempotency-Key}). */
  static void requireWellFormed(Optional<String> key) {
    key.ifPresent(
        k -> {
          if (!KEY.matcher(k).matches()) {
            throw RequestRejectedException.invalid(
                "Idempotency-Key", "must be 1-255 printable ASCII characters without spaces");
          }
        });
  }

  /**
   * The task created earlier under {@code key}, if any and if {@code sameRequest} holds for it.
   *
   * @throws RequestRejectedException IDEMPOTENCY_MISMATCH if the key named a different request
   * @throws DependencyFailedException if the task store failed
   */
  Optional<UploadTask> replay(
      String owner, Optional<String> key, Predicate<UploadTask> sameRequest) {
    requireWellFormed(key);
    if (key.isEmpty()) {
      return Optional.empty();
    }
    Optional<UploadTask> existing;
    try {
      existing = tasks.findByIdempotencyKey(owner, key.get());
    } catch (RuntimeException e) {
      throw new DependencyFailedException("task store", Optional.empty(), e);
    }
    existing.ifPresent(task -> requireSame(task, sameRequest));
    return existing;
  }

  /**
   * The task that won a race for the key: the one {@code taken} names.
   *
   * @throws RequestRejectedException IDEMPOTENCY_MISMATCH if it was a different request
   */
  UploadTask winner(IdempotencyKeyTakenException taken, Predicate<UploadTask> sameRequest) {
    Optional<UploadTask> found;
    try {
      found = tasks.find(taken.existing());
    } catch (RuntimeException e) {
      throw new DependencyFailedException("task store", Optional.empty(), e);
    }
    UploadTask task =
        found.orElseThrow(() -> new IllegalStateException(taken.getMessage() + " but it is gone"));
    requireSame(task, sameRequest);
    return task;
  }

  private static void requireSame(UploadTask task, Predicate<UploadTask> sameRequest) {
    if (!sameRequest.test(task)) {
      throw new RequestRejectedException(
          RequestRejectedException.Reason.IDEMPOTENCY_MISMATCH,
          "This Idempotency-Key was used for task "
              + task.id().value()
              + " with a different request; use a new key for a new upload",
          "Idempotency-Key",
          Optional.of(task));
    }
  }
}
