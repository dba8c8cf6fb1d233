package dev.uplink.cli;

import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * SIGTERM (systemd, a container runtime) or SIGINT (Ctrl+C) asking a service command to stop. A
 * handler rather than a shutdown hook: after the hooks the JVM would exit 143, and a service that
 * stopped cleanly exits 0.
 */
final class StopSignal {

  private final CountDownLatch received = new CountDownLatch(1);

  private StopSignal() {}

  /** From now on, SIGTERM and SIGINT end {@link #await} instead of the process. */
  static StopSignal install() {
    var signal = new StopSignal();
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), ignored -> signal.received.countDown());
    }
    return signal;
  }

  /** Returns once a stop was asked for. */
  void await() throws InterruptedException {
    received.await();
  }
}
