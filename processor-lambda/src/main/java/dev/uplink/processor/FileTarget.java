package dev.uplink.processor;

import dev.uplink.core.domain.Destination;
import java.io.InputStream;
import java.util.OptionalLong;

/**
 * Where the worker puts files: an Incus server ({@link dev.uplink.processor.incus.IncusClient}) or,
 * without Incus, a local directory ({@link dev.uplink.processor.local.DirectoryTarget}).
 */
public interface FileTarget {

  /**
   * Writes exactly {@code size} bytes from {@code content} to {@code destination}, creating missing
   * parent directories and replacing an existing file. The stream is read once and never replayed;
   * the caller closes it.
   *
   * @throws PushException why the push failed; {@link PushException#permanent()} says whether
   *     trying again can help
   */
  void push(Destination destination, InputStream content, long size) throws PushException;

  /**
   * The size of the file at {@code destination} as the target reports it now, or empty if there is
   * no file there. The worker compares it with the task's size after each push.
   *
   * @throws PushException if the target cannot be asked (classified like a push failure)
   */
  OptionalLong sizeOf(Destination destination) throws PushException;

  /**
   * Which host {@code destination} is pushed to, for the per-host concurrency cap. A target that
   * talks to one server answers the same for every destination.
   */
  default String host(Destination destination) {
    return "local";
  }

  /**
   * Returns if the target can take files now (a readiness check): the server answers and trusts us,
   * or the directory is writable. A target that cannot tell is taken as ready.
   *
   * @throws PushException why it cannot
   */
  default void checkReady() throws PushException {}
}
