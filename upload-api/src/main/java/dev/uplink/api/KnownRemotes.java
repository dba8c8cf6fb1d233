package dev.uplink.api;

import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.InvalidDestinationException;
import java.util.List;
import java.util.Objects;

/**
 * The Incus remotes a destination may name: the default remote (a bare instance) and those {@code
 * UPLINK_INCUS_REMOTES} lists. The API knows the names only, never how to reach them; a destination
 * naming any other remote is refused before anything is stored ({@code 400 invalid-destination},
 * field {@code remote}), rather than becoming a task no processor can deliver.
 *
 * @param names the named remotes, in their configured order
 */
public record KnownRemotes(List<String> names) {

  public KnownRemotes {
    names = List.copyOf(names);
  }

  /** Only the default remote: what a deployment without {@code UPLINK_INCUS_REMOTES} knows. */
  public static KnownRemotes defaultOnly() {
    return new KnownRemotes(List.of());
  }

  /**
   * Refuses a destination on a remote not known here.
   *
   * @throws InvalidDestinationException naming the field {@code remote} and the remotes there are
   */
  public void require(Destination destination) {
    Objects.requireNonNull(destination, "destination");
    String remote = destination.remote();
    if (remote.isEmpty() || names.contains(remote)) {
      return;
    }
    throw new InvalidDestinationException(
        "remote",
        names.isEmpty()
            ? "'%s' is not an Incus remote of this deployment: it has only the default remote (name the instance without 'remote:')"
                .formatted(remote)
            : "'%s' is not an Incus remote of this deployment: it has %s and the default remote (a bare instance name)"
                .formatted(remote, String.join(", ", names)));
  }
}
