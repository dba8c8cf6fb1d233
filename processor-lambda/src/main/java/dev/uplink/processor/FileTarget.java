package dev.uplink.processor;

/**
 * Where the worker puts files: an Incus server ({@link dev.uplink.processor.incus.IncusClient}) or,
 * without Incus, a local directory ({@link dev.uplink.processor.local.DirectoryTarget}).
 *
 * <p>Every target replaces files atomically: it writes a staging file next to the destination,
 * gives it the requested mode and owner, runs the request's one check ({@link
 * PushRequest#verifyBeforeRename}) and only then renames it over the destination. A failed push
 * asks {@link PushRequest#sourceProblem} whether the source was to blame. A reader of the
 * destination sees the whole old file or the whole new, verified one, never anything in between; a
 * failed push leaves the destination as it was.
 */
public interface FileTarget {

  /**
   * Puts exactly {@code request.size()} bytes from {@code request.content()} at its destination,
   * creating missing parent directories and replacing an existing file. The stream is read once and
   * never replayed; the caller closes it.
   *
   * @throws PushException why the push failed; {@link PushException#permanent()} says whether
   *     trying again can help
   */
  void push(PushRequest request) throws PushException;

  /**
   * Which host {@code destination} is pushed to, for the per-host concurrency cap. A target that
   * talks to one server answers the same for every destination.
   */
  default String host(dev.uplink.core.domain.Destination destination) {
    return "local";
  }

  /**
   * Returns if the target can take files now (a readiness check): the server answers and trusts us,
   * or the directory is writable. A target that cannot tell is taken as ready.
   *
   * @throws PushException why it cannot
   */
  default void checkReady() throws PushException {}

  /**
   * Like {@link #checkReady()}, for the one host {@code host} (as {@link #host} named it): a target
   * that pushes to several hosts asks that one only (the circuit breaker's probe).
   *
   * @throws PushException why it cannot
   */
  default void checkReady(String host) throws PushException {
    checkReady();
  }
}
