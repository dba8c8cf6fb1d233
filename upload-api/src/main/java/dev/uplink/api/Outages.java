package dev.uplink.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeoutException;

/**
 * Tells a dependency that is down or overloaded (the client may retry later: 503) from a failure
 * that retrying will not cure (a bug, or a malformed stored item: 500). Only the composition root
 * knows the adapters' exceptions ({@link UploadServices} names the AWS SDK's); the HTTP layer asks
 * this.
 */
@FunctionalInterface
public interface Outages {

  /**
   * No answer at the network level: an I/O error or a timeout anywhere among the causes (connection
   * refused or reset, a read that timed out). What an in-process fake throws to play an outage.
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

  /** Whether {@code failure}, thrown by a dependency, means it is down or overloaded. */
  boolean isOutage(Throwable failure);

  /** An outage by this rule or {@code other}'s. */
  default Outages or(Outages other) {
    return failure -> isOutage(failure) || other.isOutage(failure);
  }
}
