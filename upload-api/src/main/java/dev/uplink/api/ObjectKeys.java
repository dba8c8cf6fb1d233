package dev.uplink.api;

import dev.uplink.core.domain.TaskId;
import java.util.Optional;

/** Where an upload's bytes wait in the object store: one key per task, named after it. */
public final class ObjectKeys {

  private static final String PREFIX = "uploads/";

  private ObjectKeys() {}

  /** The object store key the bytes of task {@code id} wait under. */
  public static String of(TaskId id) {
    return PREFIX + id.value();
  }

  /** The task whose bytes wait under {@code objectKey}; empty for any other key. */
  public static Optional<TaskId> taskOf(String objectKey) {
    if (objectKey == null || !objectKey.startsWith(PREFIX)) {
      return Optional.empty();
    }
    String id = objectKey.substring(PREFIX.length());
    return TaskId.isValid(id) ? Optional.of(new TaskId(id)) : Optional.empty();
  }
}
