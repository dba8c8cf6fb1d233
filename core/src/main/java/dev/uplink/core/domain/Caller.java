package dev.uplink.core.domain;

import java.util.List;
import java.util.Objects;

/**
 * Who an API key speaks for.
 *
 * @param owner the tasks it creates belong to this owner, and it sees only theirs
 * @param policy where it may send files
 * @param operator whether it may also use the operators' endpoints (the dead-letter queue, retries
 *     of anyone's failed tasks)
 */
public record Caller(String owner, DestinationPolicy policy, boolean operator) {

  public Caller {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(policy, "policy");
    if (owner.isBlank()) {
      throw new IllegalArgumentException("owner must not be blank");
    }
  }

  /** A user: their own tasks, within {@code policy}. */
  public Caller(String owner, DestinationPolicy policy) {
    this(owner, policy, false);
  }

  /**
   * An operator named {@code name}: the operators' endpoints, and no destinations of their own (an
   * operator key is not an upload key).
   */
  public static Caller operator(String name) {
    return new Caller(name, new DestinationPolicy(List.of()), true);
  }
}
