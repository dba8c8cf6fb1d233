package dev.uplink.processor.incus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.config.IncusSettings;
import dev.uplink.core.domain.Destination;
import dev.uplink.processor.InstanceNotFoundException;
import dev.uplink.processor.PathNotFoundException;
import dev.uplink.processor.PushException;
import dev.uplink.processor.SourceReadException;
import dev.uplink.processor.TargetErrorException;
import dev.uplink.processor.TargetForbiddenException;
import dev.uplink.processor.TargetUnavailableException;
import dev.uplink.processor.UntrustedServerException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against the real incusd of {@link IncusTestEnvironment}; each test writes in its own directory.
 */
class IncusClientIntegrationTest {

  private static IncusTestEnvironment env;
  private static IncusClient client;

  private String dir;

  @BeforeAll
  static void connect() {
    env = IncusTestEnvironment.require();
    client = new IncusClient(env.settings());
  }

  @AfterAll
  static void disconnect() {
    if (client != null) {
      client.close();
    }
  }

  @BeforeEach
  void freshDirectory() {
    dir = IncusTestEnvironment.uniqueDirectory();
  }

  @AfterEach
  void removeDirectory() throws PushException {
    deleteRecursively(dir);
  }

  @Test
  void givenRandom20MiBFile_whenPushing_thenReadBackIsByteIdentical() throws Exception {
    byte[] content = new byte[20 * 1024 * 1024];
    new Random(42).nextBytes(content);
    Destination destination = Destination.of(env.instance(), dir + "/big.bin");

    long started = System.nanoTime();
    client.push(destination, new ByteArrayInputStream(content), content.length);
    double seconds = (System.nanoTime() - started) / 1e9;

    System.out.printf(
        Locale.ROOT,
        "Pushed 20 MiB to Incus in %.3f s (%.1f MB/s, including parent creation and checks)%n",
        seconds,
        content.length / seconds / 1e6);
    assertThat(sha256Of(client.openFile(env.instance(), destination.path())))
        .isEqualTo(sha256(content));
    assertThat(client.stat(env.instance(), destination.path()))
        .hasValueSatisfying(info -> assertThat(info.size()).hasValue(content.length));
  }

  @Test
  void givenPushedFile_whenAskingItsSize_thenIncusReportsTheSizeElseEmpty() throws Exception {
    push(Destination.of(env.instance(), dir + "/sized.txt"), "12345");

    assertThat(client.sizeOf(Destination.of(env.instance(), dir + "/sized.txt"))).hasValue(5);
    assertThat(client.sizeOf(Destination.of(env.instance(), dir + "/absent.txt"))).isEmpty();
    assertThat(client.host(Destination.of(env.instance(), dir + "/sized.txt")))
        .isEqualTo(env.settings().url().getAuthority());
  }

  @Test
  void givenModeAndOwner_whenPushing_thenFileHasThem() throws Exception {
    Destination destination =
        new Destination(env.instance(), dir + "/secret.env", 0640, 1000, 1001);

    push(destination, "TOKEN=abc\n");

    IncusFileInfo info = client.stat(env.instance(), destination.path()).orElseThrow();
    assertThat(info.isFile()).isTrue();
    assertThat(info.octalMode()).isEqualTo("0640");
    assertThat(info.uid()).isEqualTo(1000);
    assertThat(info.gid()).isEqualTo(1001);
  }

  @Test
  void givenNestedPathWhoseParentsDoNotExist_whenPushing_thenParentsAreCreatedAndFileWritten()
      throws Exception {
    Destination destination = new Destination(env.instance(), dir + "/a/b/c/deep.txt", 0600, 7, 8);

    push(destination, "deep");

    assertThat(read(destination.path())).isEqualTo("deep");
    for (String parent : new String[] {dir, dir + "/a", dir + "/a/b", dir + "/a/b/c"}) {
      IncusFileInfo info = client.stat(env.instance(), parent).orElseThrow();
      assertThat(info.isDirectory()).as(parent).isTrue();
      assertThat(info.octalMode()).as(parent).isEqualTo("0755");
      assertThat(info.uid()).as(parent).isEqualTo(7);
    }
  }

  @Test
  void givenConcurrentPushesIntoOneNewDirectory_whenTheyRaceToCreateIt_thenAllSucceed()
      throws Exception {
    for (int round = 0; round < 5; round++) {
      String shared = dir + "/raced-" + round + "/deeper";
      var pushes = new ArrayList<Future<?>>();
      try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int i = 0; i < 16; i++) {
          String path = shared + "/file-" + i + ".txt";
          pushes.add(
              executor.submit(
                  () -> {
                    push(Destination.of(env.instance(), path), path);
                    return null;
                  }));
        }
        for (var push : pushes) {
          push.get();
        }
      }
      for (int i = 0; i < 16; i++) {
        assertThat(client.sizeOf(Destination.of(env.instance(), shared + "/file-" + i + ".txt")))
            .isPresent();
      }
    }
  }

  @Test
  void givenExistingFile_whenPushingShorterContent_thenItIsReplacedExactly() throws Exception {
    Destination destination = Destination.of(env.instance(), dir + "/app.conf");
    push(destination, "a much longer original content\n");

    push(destination, "short\n");

    assertThat(read(destination.path())).isEqualTo("short\n");
  }

  @Test
  void givenExistingFileWithAnotherMode_whenPushing_thenTheRequestedModeApplies() throws Exception {
    push(new Destination(env.instance(), dir + "/key.pem", 0644, 0, 0), "public");

    push(new Destination(env.instance(), dir + "/key.pem", 0600, 0, 0), "secret");

    IncusFileInfo info = client.stat(env.instance(), dir + "/key.pem").orElseThrow();
    assertThat(info.octalMode()).isEqualTo("0600");
    assertThat(read(dir + "/key.pem")).isEqualTo("secret");
  }

  @Test
  void givenEmptyFile_whenPushing_thenAnEmptyFileExists() throws Exception {
    push(Destination.of(env.instance(), dir + "/empty"), "");

    assertThat(client.stat(env.instance(), dir + "/empty"))
        .hasValueSatisfying(info -> assertThat(info.size()).hasValue(0));
  }

  @Test
  void givenUnknownInstance_whenPushing_thenInstanceNotFoundWithIncusMessage() {
    Destination destination = Destination.of("uplink-no-such-instance", dir + "/x.txt");

    assertThatThrownBy(() -> push(destination, "x"))
        .isInstanceOfSatisfying(
            InstanceNotFoundException.class,
            e -> {
              assertThat(e.permanent()).isTrue();
              assertThat(e.code()).isEqualTo("INSTANCE_NOT_FOUND");
              assertThat(e.instance()).isEqualTo("uplink-no-such-instance");
            })
        .hasMessageContaining("Instance not found")
        .hasMessageContaining("uplink-no-such-instance");
  }

  @Test
  void givenUnknownInstanceAtRootPath_whenPushing_thenInstanceNotFound() {
    assertThatThrownBy(() -> push(Destination.of("uplink-no-such-instance", "/x.txt"), "x"))
        .isInstanceOf(InstanceNotFoundException.class)
        .hasMessageContaining("Instance not found");
  }

  @Test
  void givenMissingFile_whenReading_thenPathNotFoundNotInstanceNotFound() {
    assertThatThrownBy(() -> client.readFile(env.instance(), dir + "/nothing.txt"))
        .isInstanceOfSatisfying(
            PathNotFoundException.class, e -> assertThat(e.code()).isEqualTo("PATH_NOT_FOUND"))
        .hasMessageContaining("Not Found");
  }

  @Test
  void givenPathThatIsADirectory_whenPushing_thenPermanentIncusError() throws Exception {
    push(Destination.of(env.instance(), dir + "/sub/file"), "x");

    assertThatThrownBy(() -> push(Destination.of(env.instance(), dir + "/sub"), "y"))
        .isInstanceOfSatisfying(TargetErrorException.class, e -> assertThat(e.permanent()).isTrue())
        .hasMessageContaining("directory");
  }

  @Test
  void givenParentThatIsAFile_whenPushing_thenPermanentIncusError() throws Exception {
    push(Destination.of(env.instance(), dir + "/plain"), "x");

    assertThatThrownBy(() -> push(Destination.of(env.instance(), dir + "/plain/child"), "y"))
        .isInstanceOfSatisfying(TargetErrorException.class, e -> assertThat(e.permanent()).isTrue())
        .hasMessageContaining("not a directory");
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
      assertThatThrownBy(() -> pinnedWrong.push(destination, stream("x"), 1))
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
              () -> stranger.push(Destination.of(env.instance(), dir + "/x"), stream("x"), 1))
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
      sec1.push(Destination.of(env.instance(), dir + "/sec1.txt"), stream("ok"), 2);
    }

    assertThat(read(dir + "/sec1.txt")).isEqualTo("ok");
  }

  @Test
  void givenNothingListening_whenPushing_thenTransientUnavailable() throws Exception {
    var settings = env.unreachableSettings();

    try (var nowhere = new IncusClient(settings, Duration.ofSeconds(2), Duration.ofSeconds(5))) {
      assertThatThrownBy(
              () -> nowhere.push(Destination.of(env.instance(), dir + "/x"), stream("x"), 1))
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
  void givenSourceFailingMidway_whenPushing_thenTransientSourceReadErrorAndNoPartialFileLeft()
      throws Exception {
    InputStream failing =
        new InputStream() {
          private long served;

          @Override
          public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0];
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            if (served >= 1 << 20) {
              throw new IOException("S3 connection reset");
            }
            int n = (int) Math.min(len, (1 << 20) - served);
            served += n;
            return n;
          }
        };

    assertThatThrownBy(
            () -> client.push(Destination.of(env.instance(), dir + "/half.bin"), failing, 4 << 20))
        .isInstanceOfSatisfying(SourceReadException.class, e -> assertThat(e.permanent()).isFalse())
        .hasMessageContaining("S3 connection reset");
    assertThat(client.stat(env.instance(), dir + "/half.bin")).isEmpty();
  }

  @Test
  void givenFileWithSpacesAndUnicodeInItsName_whenPushing_thenPathIsEncodedCorrectly()
      throws Exception {
    String path = dir + "/my file & ünïcødé+plus%.txt";

    push(Destination.of(env.instance(), path), "encoded");

    assertThat(read(path)).isEqualTo("encoded");
    assertThat(client.listDirectory(env.instance(), dir))
        .containsExactly("my file & ünïcødé+plus%.txt");
  }

  // --- helpers ---

  private static void push(Destination destination, String content) throws PushException {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    client.push(destination, new ByteArrayInputStream(bytes), bytes.length);
  }

  private String read(String path) throws PushException {
    return new String(client.readFile(env.instance(), path), StandardCharsets.UTF_8);
  }

  private static InputStream stream(String content) {
    return new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8));
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private static String sha256Of(InputStream in) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (var digesting = new DigestInputStream(in, digest)) {
      digesting.transferTo(java.io.OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static void deleteRecursively(String path) throws PushException {
    if (client == null || env == null) {
      return;
    }
    var info = client.stat(env.instance(), path);
    if (info.isEmpty()) {
      return;
    }
    if (info.get().isDirectory()) {
      for (String name : client.listDirectory(env.instance(), path)) {
        deleteRecursively(path + "/" + name);
      }
    }
    client.delete(env.instance(), path);
  }
}
