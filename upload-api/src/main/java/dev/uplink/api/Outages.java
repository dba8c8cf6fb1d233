package dev.uplink.api;

import dev.uplink.core.domain.DependencyException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeoutException;

/**
 * Tells a dependency that is down or overloaded (the client may retry later: 503) from a failure
 * that retrying will not cure (a refused request, a bug, a malformed stored item: 500). The
 * adapters say which in a {@link DependencyException}; the HTTP layer asks this.
 */
@FunctionalInterface
public interface Outages {

  /**
   * No answer at the network level: an I/O error or a timeout anywhere among the causes (connection
   * refused or reset, a read that timed out).
   */
  Outages NETWORK =
      failure -> {
        for (Throwable t = failure; t != null; t = t.getCause()) {
          if (t instanceof IOException
              || t instanceof UncheckedIOException
              || t instanceof TimeoutException) {
            return true;
          }
        }
        return false;
      };

  /**
   * What the adapters said: the first {@link DependencyException} among the causes decides (a
   * transient one is an outage, a REJECTED one is not, whatever its own cause); without one, a
   * {@link #NETWORK} failure is an outage. What an in-process fake throws to play an outage.
   */
  Outages DEPENDENCIES =
      failure -> {
        for (Throwable t = failure; t != null; t = t.getCause()) {
          if (t instanceof DependencyException dependency) {
            return dependency.isTransient();
          }
        }
        return NETWORK.isOutage(failure);
      };

  /** Whether {@code failure}, thrown by a dependency, means it is down or overloaded. */
  boolean isOutage(Throwable failure);

  /** An outage by this rule or {@code other}'s. */
  default Outages or(Outages other) {
    return failure -> isOutage(failure) || other.isOutage(failure);
  }
}
