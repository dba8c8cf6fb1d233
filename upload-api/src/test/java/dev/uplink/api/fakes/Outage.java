package dev.uplink.api.fakes;

import java.io.UncheckedIOException;
import java.net.ConnectException;

/**
 * What a fake dependency throws to play one that is down: a refused connection, which the API's
 * {@link dev.uplink.api.Outages#NETWORK} rule recognises (503), unlike a bug (500).
 */
public final class Outage {

  private Outage() {}

  /** A refused connection, explained by {@code what} (never shown to clients). */
  public static RuntimeException of(String what) {
    return new UncheckedIOException(new ConnectException(what));
  }
}
