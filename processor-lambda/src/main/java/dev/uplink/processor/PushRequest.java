package dev.uplink.processor;

import dev.uplink.core.domain.Destination;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import java.util.Optional;

/**
 * One file for a {@link FileTarget} to put in place, with the one way to tell whose fault a failed
 * push was and the one check before the file becomes visible ({@link #verifyBeforeRename}).
 *
 * <p>The bytes are read through a single {@link TrackedInputStream} made here, so every target
 * learns the same way whether the source (the object store) broke ({@link #sourceProblem}), and the
 * worker reads the same count for its progress.
 */
public final class PushRequest {

  private final Destination destination;
  private final TrackedInputStream content;
  private final long size;
  private final StagingName staging;
  private final IntegrityCheck integrity;

  /**
   * @param destination where it goes, with its mode and owner
   * @param content exactly {@code size} bytes, read once
   * @param size the file's length
   * @param staging the name of the staging file the bytes are written to before the rename
   * @param integrity what the caller checks once the bytes are read and before the destination
   *     changes (the worker: their SHA-256 against the upload's)
   */
  public PushRequest(
      Destination destination,
      InputStream content,
      long size,
      StagingName staging,
      IntegrityCheck integrity) {
    this.destination = Objects.requireNonNull(destination, "destination");
    Objects.requireNonNull(content, "content");
    this.content =
        content instanceof TrackedInputStream tracked ? tracked : new TrackedInputStream(content);
    this.staging = Objects.requireNonNull(staging, "staging");
    this.integrity = Objects.requireNonNull(integrity, "integrity");
    if (size < 0) {
      throw new IllegalArgumentException("size must not be negative: " + size);
    }
    this.size = size;
  }

  /** A push outside any task (tools, tests): a fresh staging name, no check but the size. */
  public static PushRequest of(Destination destination, InputStream content, long size) {
    return new PushRequest(destination, content, size, StagingName.random(), IntegrityCheck.NONE);
  }

  public Destination destination() {
    return destination;
  }

  /** The bytes, counted as they are read. */
  public TrackedInputStream content() {
    return content;
  }

  public long size() {
    return size;
  }

  public StagingName staging() {
    return staging;
  }

  /**
   * The source-side explanation of a failed push, if the source is to blame: it threw, ended before
   * {@link #size} bytes, or yielded more. A target asks this first when a push fails.
   */
  public Optional<SourceReadException> sourceProblem() {
    return content.sourceProblem(size);
  }

  /**
   * The one check after the last byte is written and before the destination changes: the source
   * yielded exactly {@link #size} bytes and the target read them all, then the caller's {@link
   * IntegrityCheck}. Reads one byte more if the target stopped at {@code size}, to see that the
   * source ends there.
   *
   * @throws SourceReadException if the source failed, ended early or yields more (transient)
   * @throws IntegrityMismatchException if the target took fewer bytes, or the caller's check fails
   */
  public void verifyBeforeRename() throws SourceReadException, IntegrityMismatchException {
    requireWholeSource();
    if (content.count() < size) {
      throw new IntegrityMismatchException(
          "The target took %d of the %d bytes; nothing was replaced"
              .formatted(content.count(), size));
    }
    integrity.verify();
  }

  private void requireWholeSource() throws SourceReadException {
    if (content.count() == size && !content.ended()) {
      try {
        if (content.read() >= 0) {
          throw new SourceReadException(
              "The file to push yielded more than its size, %d bytes".formatted(size), null);
        }
      } catch (IOException e) {
        // recorded by the stream: reported just below
      }
    }
    Optional<SourceReadException> problem = sourceProblem();
    if (problem.isPresent()) {
      throw problem.get();
    }
  }

  /** Verifies the bytes a target read before they become visible. */
  @FunctionalInterface
  public interface IntegrityCheck {

    /** Accepts everything: {@link #verifyBeforeRename}'s size check still applies. */
    IntegrityCheck NONE = () -> {};

    /**
     * @throws IntegrityMismatchException if the bytes read are not the task's file
     */
    void verify() throws IntegrityMismatchException;
  }
}
