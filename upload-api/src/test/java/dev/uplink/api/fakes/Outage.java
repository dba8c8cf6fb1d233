package dev.uplink.api.fakes;

import dev.uplink.core.domain.DependencyException;
import java.net.ConnectException;

/**
 * What a fake dependency throws to play one that is down: what an adapter throws when its service
 * does not answer, a transient {@link DependencyException} (503), unlike a bug or a refused request
 * (500).
 */
public final class Outage {

  private Outage() {}

  /** A refused connection, explained by {@code what} (never shown to clients). */
  public static RuntimeException of(String what) {
    return new DependencyException(
        "a fake dependency", DependencyException.Reason.UNAVAILABLE, new ConnectException(what));
  }
}
