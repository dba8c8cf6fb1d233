package dev.uplink.processor.incus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.config.IncusSettings;
import dev.uplink.core.domain.Destination;
import dev.uplink.processor.PushRequest;
import dev.uplink.processor.TargetForbiddenException;
import dev.uplink.processor.TargetUnavailableException;
import dev.uplink.processor.UntrustedServerException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link IncusClientContract} over HTTPS, and what only HTTPS has: certificates. */
class IncusClientHttpsTest extends IncusClientContract {

  @Override
  IncusSettings settings(IncusTestEnvironment env) {
    return env.settings();
  }

  @Test
  void givenAnotherPinnedServerCertificate_whenPushing_thenUntrustedServerAndNothingPushed(
      @TempDir Path tmp) throws Exception {
    IncusTestEnvironment.selfSignedCertificate(tmp, "impostor");
    var settings =
        new IncusSettings(
            env.url(), env.clientCert(), env.clientKey(), tmp.resolve("impostor.crt"));
    Destination destination = Destination.of(env.instance(), dir + "/never.txt");

    try (var pinnedWrong = new IncusClient(settings)) {
      assertThatThrownBy(() -> pinnedWrong.push(PushRequest.of(destination, stream("x"), 1)))
          .isInstanceOfSatisfying(
              UntrustedServerException.class,
              e -> {
                assertThat(e.permanent()).isTrue();
                assertThat(e.code()).isEqualTo("INCUS_UNTRUSTED_SERVER");
              })
          .hasMessageContaining("Untrusted server certificate")
          .hasMessageContaining("CN=impostor");
    }
    assertThat(client.stat(env.instance(), destination.path())).isEmpty();
    assertThat(client.stat(env.instance(), dir)).isEmpty();
  }

  @Test
  void givenClientCertificateIncusDoesNotTrust_whenPushing_thenForbiddenWithIncusMessage(
      @TempDir Path tmp) throws Exception {
    IncusTestEnvironment.selfSignedCertificate(tmp, "stranger");
    var settings =
        new IncusSettings(
            env.url(), tmp.resolve("stranger.crt"), tmp.resolve("stranger.key"), env.serverCert());

    try (var stranger = new IncusClient(settings)) {
      assertThatThrownBy(
              () ->
                  stranger.push(
                      PushRequest.of(Destination.of(env.instance(), dir + "/x"), stream("x"), 1)))
          .isInstanceOfSatisfying(
              TargetForbiddenException.class,
              e -> {
                assertThat(e.status()).isEqualTo(403);
                assertThat(e.permanent()).isTrue();
                assertThat(e.code()).isEqualTo("INCUS_FORBIDDEN");
              })
          .hasMessageContaining("not authorized");
    }
  }

  @Test
  void givenSec1EcKey_whenConnecting_thenItIsAcceptedLikePkcs8(@TempDir Path tmp) throws Exception {
    IncusTestEnvironment.openssl(tmp, "ec", "-in", env.clientKey().toString(), "-out", "sec1.key");
    assertThat(tmp.resolve("sec1.key")).content().contains("BEGIN EC PRIVATE KEY");
    var settings =
        new IncusSettings(env.url(), env.clientCert(), tmp.resolve("sec1.key"), env.serverCert());

    try (var sec1 = new IncusClient(settings)) {
      sec1.push(PushRequest.of(Destination.of(env.instance(), dir + "/sec1.txt"), stream("ok"), 2));
    }

    assertThat(read(dir + "/sec1.txt")).isEqualTo("ok");
  }

  @Test
  void givenNothingListening_whenPushing_thenTransientUnavailable() throws Exception {
    var settings = env.unreachableSettings();

    try (var nowhere = new IncusClient(settings, Duration.ofSeconds(2), Duration.ofSeconds(5))) {
      assertThatThrownBy(
              () ->
                  nowhere.push(
                      PushRequest.of(Destination.of(env.instance(), dir + "/x"), stream("x"), 1)))
          .isInstanceOfSatisfying(
              TargetUnavailableException.class,
              e -> {
                assertThat(e.permanent()).isFalse();
                assertThat(e.code()).isEqualTo("INCUS_UNAVAILABLE");
              })
          .hasMessageContaining(settings.url().getAuthority());
    }
  }

  @Test
  void givenAPushBlockedOnAPlatformThread_whenTheThreadIsInterrupted_thenThePushEndsAtOnce()
      throws Exception {
    try (var silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        var nowhere =
            new IncusClient(
                new IncusSettings(
                    java.net.URI.create("https://127.0.0.1:" + silent.getLocalPort()),
                    env.clientCert(),
                    env.clientKey(),
                    env.serverCert()))) {
      // The TLS handshake waits for a server hello that never comes.
      var failure = new java.util.concurrent.atomic.AtomicReference<Throwable>();
      Thread pusher =
          Thread.ofPlatform() // like the Lambda runtime's thread: socket I/O ignores interrupts
              .start(
                  () -> {
                    try {
                      nowhere.push(
                          PushRequest.of(
                              Destination.of(env.instance(), dir + "/x"), stream("x"), 1));
                    } catch (Exception e) {
                      failure.set(e);
                    }
                  });
      Thread.sleep(300);
      long interruptedAt = System.nanoTime();

      pusher.interrupt();
      pusher.join(Duration.ofSeconds(10));

      assertThat(pusher.isAlive()).as("the push still blocked 10 s after the interrupt").isFalse();
      assertThat(Duration.ofNanos(System.nanoTime() - interruptedAt))
          .isLessThan(Duration.ofSeconds(2));
      assertThat(failure.get())
          .isInstanceOf(TargetUnavailableException.class)
          .hasMessageContaining("interrupted");
    }
  }
}
