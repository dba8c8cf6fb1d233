package dev.uplink.processor.incus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.config.IncusSettings;
import dev.uplink.core.domain.Destination;
import dev.uplink.processor.InstanceNotFoundException;
import dev.uplink.processor.IntegrityMismatchException;
import dev.uplink.processor.PathNotFoundException;
import dev.uplink.processor.ProjectNotFoundException;
import dev.uplink.processor.PushException;
import dev.uplink.processor.PushRequest;
import dev.uplink.processor.SourceReadException;
import dev.uplink.processor.StagingName;
import dev.uplink.processor.TargetErrorException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
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
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What {@link IncusClient} does against the real incusd of {@link IncusTestEnvironment}, whatever
 * the transport: {@link IncusClientHttpsTest} runs it over HTTPS with certificates, {@link
 * IncusClientUnixSocketTest} over the local unix socket. Each test writes in its own directory.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class IncusClientContract {

  protected IncusTestEnvironment env;
  protected IncusClient client;

  protected String dir;

  /** How this transport reaches the test incusd (skipping or failing like {@code require()}). */
  abstract IncusSettings settings(IncusTestEnvironment env);

  @BeforeAll
  void connect() {
    env = IncusTestEnvironment.require();
    client = new IncusClient(settings(env));
  }

  @AfterAll
  void disconnect() {
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
    client.push(PushRequest.of(destination, new ByteArrayInputStream(content), content.length));
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

    assertThat(sizeOf(dir + "/sized.txt")).hasValue(5);
    assertThat(client.stat(env.instance(), dir + "/absent.txt")).isEmpty();
    URI url = settings(env).url();
    assertThat(client.host(Destination.of(env.instance(), dir + "/sized.txt")))
        .isEqualTo(url.getAuthority() != null ? url.getAuthority() : url.getPath());
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
        assertThat(sizeOf(shared + "/file-" + i + ".txt")).isPresent();
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

  @Nested
  class Projects {

    @Test
    void givenTheSameInstanceNameInTwoProjects_whenPushingToEach_thenEachFileLandsInItsOwn()
        throws Exception {
      IncusInstance other = env.requireOtherProject(client);
      Destination inDefault = Destination.of(env.instance(), dir + "/which.txt");
      Destination inOther = inDefault.on(null, other.project());
      try {
        push(inDefault, "default project");
        push(inOther, "the other project");

        assertThat(new String(client.readFile(IncusInstance.of(inDefault), inDefault.path())))
            .isEqualTo("default project");
        assertThat(new String(client.readFile(other, inOther.path())))
            .isEqualTo("the other project");
      } finally {
        env.deleteTree(client, other, dir);
      }
    }

    @Test
    void givenAProjectIncusDoesNotHave_whenPushing_thenProjectNotFoundNotInstanceNotFound() {
      Destination destination =
          Destination.of(env.instance(), dir + "/x.txt").on(null, "uplink-no-such-project");

      assertThatThrownBy(() -> push(destination, "x"))
          .isInstanceOfSatisfying(
              ProjectNotFoundException.class,
              e -> {
                assertThat(e.permanent()).isTrue();
                assertThat(e.code()).isEqualTo("PROJECT_NOT_FOUND");
                assertThat(e.project()).isEqualTo("uplink-no-such-project");
              })
          .hasMessageContaining("Project not found")
          .hasMessageContaining("uplink-no-such-project");
    }

    @Test
    void givenAnInstanceTheProjectDoesNotHave_whenPushing_thenInstanceNotFoundNamingTheProject() {
      IncusInstance other = env.requireOtherProject(client);
      Destination destination =
          Destination.of("uplink-no-such-instance", dir + "/x.txt").on(null, other.project());

      assertThatThrownBy(() -> push(destination, "x"))
          .isInstanceOf(InstanceNotFoundException.class)
          .hasMessageContaining("Instance not found")
          .hasMessageContaining(other.project());
    }
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
        .hasMessageContaining("no such file");
  }

  @Test
  void givenPathThatIsADirectory_whenPushing_thenPermanentIncusError() throws Exception {
    push(Destination.of(env.instance(), dir + "/sub/file"), "x");

    assertThatThrownBy(() -> push(Destination.of(env.instance(), dir + "/sub"), "y"))
        .isInstanceOfSatisfying(TargetErrorException.class, e -> assertThat(e.permanent()).isTrue())
        .hasMessageContaining("directory");
  }

  @Test
  void givenAPathWhoseStagingFileNameWouldBeTooLongForLinux_whenPushing_thenPermanentRefusal() {
    // The longest directory the test allows beside a short file name: the destination fits
    // Linux's 4,095 bytes, the staging file's longer name beside it does not.
    var path = new StringBuilder(dir);
    while (4070 - path.length() >= 203) {
      path.append('/').append("n".repeat(200));
    }
    path.append('/').append("n".repeat(4070 - path.length() - 1)).append("/f");
    Destination destination = Destination.of(env.instance(), path.toString());

    assertThatThrownBy(() -> push(destination, "x"))
        .isInstanceOfSatisfying(
            TargetErrorException.class,
            e -> {
              assertThat(e.permanent()).as("permanent").isTrue();
              assertThat(e.code()).isEqualTo(PushException.INCUS_ERROR);
            })
        .hasMessageContaining("file name too long");
  }

  @Test
  void givenParentThatIsAFile_whenPushing_thenPermanentIncusError() throws Exception {
    push(Destination.of(env.instance(), dir + "/plain"), "x");

    assertThatThrownBy(() -> push(Destination.of(env.instance(), dir + "/plain/child"), "y"))
        .isInstanceOfSatisfying(TargetErrorException.class, e -> assertThat(e.permanent()).isTrue())
        .hasMessageContaining("not a directory");
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
            () ->
                client.push(
                    PushRequest.of(
                        Destination.of(env.instance(), dir + "/half.bin"), failing, 4 << 20)))
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

  @Nested
  class AtomicReplace {

    @Test
    void givenOneMiBFile_whenA300MiBPushReplacesIt_thenAWatcherSeesOnlyTheOldOrTheNewFile()
        throws Exception {
      String path = dir + "/served.bin";
      Path onHost =
          env.hostPath(path)
              .orElseThrow(() -> new org.opentest4j.TestAbortedException("rootfs not readable"));
      long oldSize = 1 << 20;
      long newSize = 300L << 20;
      client.push(
          PushRequest.of(Destination.of(env.instance(), path), pattern(oldSize, 1), oldSize));
      var seen = new java.util.concurrent.ConcurrentSkipListSet<Long>();
      var missing = new java.util.concurrent.atomic.AtomicInteger();
      var looks = new java.util.concurrent.atomic.AtomicInteger();
      var stop = new java.util.concurrent.atomic.AtomicBoolean();
      Thread watcher =
          Thread.ofPlatform()
              .start(
                  () -> {
                    while (!stop.get()) {
                      try {
                        seen.add(java.nio.file.Files.size(onHost));
                      } catch (IOException e) {
                        missing.incrementAndGet();
                      }
                      looks.incrementAndGet();
                    }
                  });

      client.push(
          PushRequest.of(Destination.of(env.instance(), path), pattern(newSize, 2), newSize));
      stop.set(true);
      watcher.join();

      assertThat(looks.get()).as("the watcher looked while the push ran").isGreaterThan(100);
      assertThat(missing.get()).as("looks that found no file at all").isZero();
      assertThat(seen).as("sizes seen at the destination").isSubsetOf(oldSize, newSize);
      assertThat(sha256Of(client.openFile(env.instance(), path)))
          .isEqualTo(sha256Of(pattern(newSize, 2)));
      assertThat(client.listDirectory(env.instance(), dir)).containsExactly("served.bin");
    }

    @Test
    void givenIntegrityCheckThatFails_whenPushing_thenTheOldFileStaysAndNoStagingFileIsLeft()
        throws Exception {
      Destination destination = Destination.of(env.instance(), dir + "/app.conf");
      push(destination, "old\n");
      byte[] bytes = "new content\n".getBytes(StandardCharsets.UTF_8);

      assertThatThrownBy(
              () ->
                  client.push(
                      new PushRequest(
                          destination,
                          new ByteArrayInputStream(bytes),
                          bytes.length,
                          StagingName.random(),
                          () -> {
                            throw new IntegrityMismatchException("SHA-256 differs");
                          })))
          .isInstanceOfSatisfying(
              IntegrityMismatchException.class, e -> assertThat(e.permanent()).isTrue());

      assertThat(read(destination.path())).isEqualTo("old\n");
      assertThat(client.listDirectory(env.instance(), dir)).containsExactly("app.conf");
    }

    @Test
    void givenStagingFileOfACrashedEarlierAttempt_whenTheNextAttemptPushes_thenItIsGone()
        throws Exception {
      Destination destination = Destination.of(env.instance(), dir + "/data.txt");
      push(destination, "old");
      String leftover = dir + "/" + new StagingName("TASK1", 1).fileName();
      push(Destination.of(env.instance(), leftover), "half of it");

      client.push(
          new PushRequest(
              destination,
              stream("whole"),
              5,
              new StagingName("TASK1", 2),
              PushRequest.IntegrityCheck.NONE));

      assertThat(read(destination.path())).isEqualTo("whole");
      assertThat(client.listDirectory(env.instance(), dir)).containsExactly("data.txt");
    }

    @Test
    void givenSymbolicLinkAtTheDestination_whenPushing_thenPermanentRefusalAndNothingChanges()
        throws Exception {
      push(Destination.of(env.instance(), dir + "/real.conf"), "real");
      Path link =
          env.hostPath(dir + "/link.conf")
              .orElseThrow(() -> new org.opentest4j.TestAbortedException("rootfs not readable"));
      java.nio.file.Files.createSymbolicLink(link, Path.of("real.conf"));

      assertThatThrownBy(() -> push(Destination.of(env.instance(), dir + "/link.conf"), "new"))
          .isInstanceOfSatisfying(
              TargetErrorException.class, e -> assertThat(e.permanent()).isTrue())
          .hasMessageContaining("symbolic link");

      assertThat(java.nio.file.Files.isSymbolicLink(link)).isTrue();
      assertThat(read(dir + "/real.conf")).isEqualTo("real");
      assertThat(client.listDirectory(env.instance(), dir))
          .containsExactlyInAnyOrder("real.conf", "link.conf");
    }
  }

  @Nested
  class Modes {

    @ParameterizedTest
    @ValueSource(ints = {0600, 0640, 0755, 0700})
    void givenModeAndOwner1000_whenPushing_thenTheFileHasExactlyThem(int mode) throws Exception {
      Destination destination = new Destination(env.instance(), dir + "/m.bin", mode, 1000, 1000);

      push(destination, "x");

      IncusFileInfo info = client.stat(env.instance(), destination.path()).orElseThrow();
      assertThat(info.mode()).as("mode").isEqualTo(mode);
      assertThat(info.uid()).isEqualTo(1000);
      assertThat(info.gid()).isEqualTo(1000);
    }

    @Test
    void givenFileOwnedByAnotherUserWithLooserMode_whenReplaced_thenTheNewOwnerAndModeApply()
        throws Exception {
      push(new Destination(env.instance(), dir + "/key.pem", 0666, 0, 0), "old");

      push(new Destination(env.instance(), dir + "/key.pem", 0600, 1000, 1000), "secret");

      IncusFileInfo info = client.stat(env.instance(), dir + "/key.pem").orElseThrow();
      assertThat(info.octalMode()).isEqualTo("0600");
      assertThat(info.uid()).isEqualTo(1000);
    }
  }

  @Test
  void givenManyPushesOneAfterAnother_whenDone_thenOneSessionServedThemAll() throws Exception {
    try (var fresh = new IncusClient(settings(env))) {
      for (int i = 0; i < 20; i++) {
        byte[] bytes = ("file " + i).getBytes(StandardCharsets.UTF_8);
        fresh.push(
            PushRequest.of(
                Destination.of(env.instance(), dir + "/f" + i),
                new ByteArrayInputStream(bytes),
                bytes.length));
        assertThat(fresh.idleSessions()).as("idle sessions after push %d", i).isEqualTo(1);
      }
    }
    assertThat(client.listDirectory(env.instance(), dir)).hasSize(20);
  }

  /** {@code size} bytes of a repeating pattern tagged by {@code seed}, generated as read. */
  static InputStream pattern(long size, int seed) {
    return new InputStream() {
      private long at;

      @Override
      public int read() {
        return at < size ? (int) ((at++ * 31 + seed) & 0xff) : -1;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (at >= size) {
          return -1;
        }
        int n = (int) Math.min(len, size - at);
        for (int i = 0; i < n; i++) {
          b[off + i] = (byte) ((at++ * 31 + seed) & 0xff);
        }
        return n;
      }
    };
  }

  // --- helpers ---

  void push(Destination destination, String content) throws PushException {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    client.push(PushRequest.of(destination, new ByteArrayInputStream(bytes), bytes.length));
  }

  java.util.OptionalLong sizeOf(String path) throws PushException {
    return client
        .stat(env.instance(), path)
        .map(IncusFileInfo::size)
        .orElse(java.util.OptionalLong.empty());
  }

  String read(String path) throws PushException {
    return new String(client.readFile(env.instance(), path), StandardCharsets.UTF_8);
  }

  static InputStream stream(String content) {
    return new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8));
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  static String sha256Of(InputStream in) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (var digesting = new DigestInputStream(in, digest)) {
      digesting.transferTo(java.io.OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  void deleteRecursively(String path) throws PushException {
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
