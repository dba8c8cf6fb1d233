package dev.uplink.processor.poller;

import dev.uplink.processor.HostCircuits;
import dev.uplink.processor.PushMetrics;
import dev.uplink.processor.RoutingTarget;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code uplink_remote_reachable{remote}} on the poller's {@code /metrics}: 1 while the remote's
 * circuit is closed (its host answers, as far as pushes and probes know), 0 while it is open. Read
 * from the circuit breaker at each scrape: no request to Incus is made for it ({@code /readyz}
 * checks each remote for real).
 */
final class RemoteReachability {

  static final String NAME = "uplink.remote.reachable";

  private RemoteReachability() {}

  /** One gauge per remote of {@code target}. */
  static void register(MeterRegistry registry, RoutingTarget target, HostCircuits circuits) {
    for (String remote : target.byRemote().keySet()) {
      String host = target.hostOf(remote);
      Gauge.builder(NAME, circuits, c -> c.isOpen(host) ? 0 : 1)
          .description("1 while the Incus remote answers (its circuit is closed), 0 while not")
          .tag("remote", remote.isEmpty() ? PushMetrics.DEFAULT_REMOTE_LABEL : remote)
          .register(registry);
    }
  }
}
