package dev.uplink.processor;

import dev.uplink.core.domain.Destination;
import java.io.InputStream;
import java.util.Objects;

/**
 * One file for a {@link FileTarget} to put in place.
 *
 * @param destination where it goes, with its mode and owner
 * @param content exactly {@code size} bytes, read once
 * @param size the file's length
 * @param staging the name of the staging file the bytes are written to before the rename
 * @param integrity runs after the last byte was written and before the destination changes; it
 *     throws if what was read is not what the task describes
 */
public record PushRequest(
    Destination destination,
    InputStream content,
    long size,
    StagingName staging,
    IntegrityCheck integrity) {

  public PushRequest {
    Objects.requireNonNull(destination, "destination");
    Objects.requireNonNull(content, "content");
    Objects.requireNonNull(staging, "staging");
    Objects.requireNonNull(integrity, "integrity");
    if (size < 0) {
      throw new IllegalArgumentException("size must not be negative: " + size);
    }
  }

  /** A push outside any task (tools, tests): a fresh staging name, no check but the size. */
  public static PushRequest of(Destination destination, InputStream content, long size) {
    return new PushRequest(destination, content, size, StagingName.random(), IntegrityCheck.NONE);
  }

  /** Verifies the bytes a target read before they become visible. */
  @FunctionalInterface
  public interface IntegrityCheck {

    /** Accepts everything: the target's own size check still applies. */
    IntegrityCheck NONE = () -> {};

    /**
     * @throws IntegrityMismatchException if the bytes read are not the task's file
     */
    void verify() throws IntegrityMismatchException;
  }
}
