package dev.uplink.processor;

import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.testing.InMemoryTaskStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/** Test fixtures: a PENDING task with its object stored. */
public final class Tasks {

  private Tasks() {}

  /** Stores content "content of PATH" and a PENDING task for it, with the right SHA-256. */
  public static UploadTask pending(
      InMemoryTaskStore tasks, InMemoryObjectStore objects, TaskId id, String path, Instant now) {
    byte[] content = ("content of " + path).getBytes(StandardCharsets.UTF_8);
    String key = "uploads/" + id;
    objects.put(key, content);
    UploadTask task =
        UploadTask.pending(
            id, "alice", Destination.of("app", path), key, content.length, sha256(content), now);
    tasks.create(task);
    return task;
  }

  public static UploadTask pending(
      InMemoryTaskStore tasks, InMemoryObjectStore objects, String path, Instant now) {
    return pending(tasks, objects, TaskId.newId(), path, now);
  }

  /** A PENDING task of {@code size} bytes created at {@code createdAt}, stored nowhere. */
  public static UploadTask pending(long size, Instant createdAt) {
    return UploadTask.pending(
        TaskId.newId(),
        "alice",
        Destination.of("web-1", "/srv/f"),
        "uploads/f",
        size,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        createdAt);
  }

  public static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
