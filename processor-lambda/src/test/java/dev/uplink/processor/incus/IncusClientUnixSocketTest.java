package dev.uplink.processor.incus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.config.IncusSettings;
import dev.uplink.core.domain.Destination;
import dev.uplink.processor.PushRequest;
import dev.uplink.processor.TargetUnavailableException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link IncusClientContract} over the local unix socket: what a processor on the Incus host itself
 * uses, with no certificate at all.
 */
class IncusClientUnixSocketTest extends IncusClientContract {

  @Override
  IncusSettings settings(IncusTestEnvironment env) {
    return env.unixSocketSettings();
  }

  @Test
  void givenNoSocketAtThePath_whenPushing_thenTransientUnavailableNamingIt(@TempDir Path tmp) {
    Path missing = tmp.resolve("unix.socket");

    try (var nowhere = new IncusClient(IncusSettings.unixSocket(missing))) {
      assertThatThrownBy(
              () ->
                  nowhere.push(
                      PushRequest.of(Destination.of(env.instance(), dir + "/x"), stream("x"), 1)))
          .isInstanceOfSatisfying(
              TargetUnavailableException.class, e -> assertThat(e.permanent()).isFalse())
          .hasMessageContaining(missing.toString());
    }
  }

  @Test
  void givenASocketThatNeverAnswers_whenPushing_thenTransientUnavailableOnceTheTimeoutPasses(
      @TempDir Path tmp) throws Exception {
    Path socket = tmp.resolve("hung.socket");
    try (var hung = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        var nowhere =
            new IncusClient(
                IncusSettings.unixSocket(socket), Duration.ofSeconds(2), Duration.ofSeconds(2))) {
      hung.bind(UnixDomainSocketAddress.of(socket)); // takes connections, never answers
      long began = System.nanoTime();

      assertThatThrownBy(
              () ->
                  nowhere.push(
                      PushRequest.of(Destination.of(env.instance(), dir + "/x"), stream("x"), 1)))
          .isInstanceOfSatisfying(
              TargetUnavailableException.class, e -> assertThat(e.permanent()).isFalse())
          .hasMessageContaining("no answer in time");
      assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(10));
    }
  }

  @Test
  void givenTheSocket_whenCheckingReadiness_thenIncusTrustsTheLocalUser() throws Exception {
    client.checkReady();
  }
}
