package dev.uplink.processor.poller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.domain.Destination;
import dev.uplink.processor.FileTarget;
import dev.uplink.processor.HostCircuits;
import dev.uplink.processor.RecordingFileTarget;
import dev.uplink.processor.RoutingTarget;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("uplink_remote_reachable: one gauge per Incus remote, from its circuit")
class RemoteReachabilityTest {

  @Test
  @DisplayName("a remote whose circuit is open reads 0, the others 1")
  void gaugePerRemote() {
    var byRemote = new LinkedHashMap<String, FileTarget>();
    byRemote.put(Destination.DEFAULT_REMOTE, new RecordingFileTarget());
    byRemote.put("lab", new RecordingFileTarget());
    var target = new RoutingTarget(byRemote);
    var circuits = new HostCircuits(1, Duration.ofSeconds(10), Clock.systemUTC());
    var registry = new SimpleMeterRegistry();
    RemoteReachability.register(registry, target, circuits);

    circuits.failed(target.hostOf("lab"), "connection refused");

    assertThat(registry.get(RemoteReachability.NAME).tag("remote", "lab").gauge().value()).isZero();
    assertThat(registry.get(RemoteReachability.NAME).tag("remote", "default").gauge().value())
        .isEqualTo(1);
    assertThat(target.hostOf("lab")).isEqualTo("incus.test:8443 of remote lab");
  }
}
