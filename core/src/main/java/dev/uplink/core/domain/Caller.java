package dev.uplink.core.domain;

import java.util.Objects;

/**
 * Who an API key speaks for.
 *
 * @param owner the tasks it creates belong to this owner, and it sees only theirs
 * @param policy where it may send files
 */
public record Caller(String owner, DestinationPolicy policy) {

  public Caller {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(policy, "policy");
    if (owner.isBlank()) {
      throw new IllegalArgumentException("owner must not be blank");
    }
  }
}
