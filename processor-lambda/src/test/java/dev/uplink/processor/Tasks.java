package dev.uplink.processor;

import static dev.uplink.core.testing.TaskBuilder.aTask;

import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.testing.InMemoryTaskStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * Test fixtures: a PENDING task with its object stored. Tasks alone come from core's {@link
 * dev.uplink.core.testing.TaskBuilder}.
 */
public final class Tasks {

  private Tasks() {}

  /** Stores content "content of PATH" and a PENDING task for it, with the right SHA-256. */
  public static UploadTask pending(
      InMemoryTaskStore tasks, InMemoryObjectStore objects, TaskId id, String path, Instant now) {
    byte[] content = ("content of " + path).getBytes(StandardCharsets.UTF_8);
    UploadTask task =
        aTask()
            .withId(id)
            .to("app", path)
            .size(content.length)
            .sha256(sha256(content))
            .createdAt(now)
            .build();
    objects.put(task.objectKey(), content);
    tasks.create(task);
    return task;
  }

  public static UploadTask pending(
      InMemoryTaskStore tasks, InMemoryObjectStore objects, String path, Instant now) {
    return pending(tasks, objects, TaskId.newId(), path, now);
  }

  /** A PENDING task of {@code size} bytes created at {@code createdAt}, stored nowhere. */
  public static UploadTask pending(long size, Instant createdAt) {
    return aTask()
        .to("web-1", "/srv/f")
        .objectKey("uploads/f")
        .size(size)
        .createdAt(createdAt)
        .build();
  }

  public static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
