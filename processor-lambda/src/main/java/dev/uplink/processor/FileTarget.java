package dev.uplink.processor;

import dev.uplink.core.domain.Destination;
import java.io.InputStream;

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
}
