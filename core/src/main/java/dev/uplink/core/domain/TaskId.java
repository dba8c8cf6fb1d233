package dev.uplink.core.domain;

import com.github.f4b6a3.ulid.Ulid;
import com.github.f4b6a3.ulid.UlidCreator;
import java.util.Objects;

/**
 * The identity of an upload task: a ULID, so ids sort by creation time and need no coordination.
 *
 * @param value the canonical 26-character Crockford base-32 form
 */
public record TaskId(String value) {

  public TaskId {
    Objects.requireNonNull(value, "value");
    if (!Ulid.isValid(value)) {
      throw new IllegalArgumentException("not a task id: " + value);
    }
    value = value.toUpperCase(java.util.Locale.ROOT);
  }

  /** A new, monotonically increasing id. */
  public static TaskId newId() {
    return new TaskId(UlidCreator.getMonotonicUlid().toString());
  }

  /** Whether {@code candidate} is a well-formed task id (so callers can answer 404, not 500). */
  public static boolean isValid(String candidate) {
    return candidate != null && Ulid.isValid(candidate);
  }

  @Override
  public String toString() {
    return value;
  }
}
