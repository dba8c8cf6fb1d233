package dev.uplink.processor.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.uplink.core.domain.Destination;
import dev.uplink.processor.IntegrityMismatchException;
import dev.uplink.processor.PushException;
import dev.uplink.processor.PushRequest;
import dev.uplink.processor.SourceReadException;
import dev.uplink.processor.StagingName;
import dev.uplink.processor.TargetErrorException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryTargetTest {

  @TempDir Path root;

  @Test
  void givenDestination_whenPushing_thenFileIsWrittenUnderInstancesNamePath() throws Exception {
    var target = new DirectoryTarget(root);

    push(target, Destination.of("web", "/srv/hello.txt"), "hello");

    Path file = root.resolve("instances/web/srv/hello.txt");
    assertThat(file).hasContent("hello");
    assertThat(target.resolve(Destination.of("web", "/srv/hello.txt")))
        .isEqualTo(file.toRealPath());
  }

  @Test
  void givenIntegrityCheckThatFails_whenPushing_thenTheOldFileStaysAndNoStagingFileIsLeft()
      throws Exception {
    var target = new DirectoryTarget(root);
    push(target, Destination.of("web", "/srv/app.conf"), "old");
    byte[] bytes = "new".getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(
            () ->
                target.push(
                    new PushRequest(
                        Destination.of("web", "/srv/app.conf"),
                        new ByteArrayInputStream(bytes),
                        bytes.length,
                        StagingName.random(),
                        () -> {
                          throw new IntegrityMismatchException("not the uploaded bytes");
                        })))
        .isInstanceOf(IntegrityMismatchException.class);

    assertThat(root.resolve("instances/web/srv/app.conf")).hasContent("old");
    try (Stream<Path> files = Files.list(root.resolve("instances/web/srv"))) {
      assertThat(files).hasSize(1);
    }
  }

  @Test
  void givenStagingFileLeftByACrashedEarlierAttempt_whenTheNextAttemptPushes_thenItIsRemoved()
      throws Exception {
    var target = new DirectoryTarget(root);
    Path srv = Files.createDirectories(root.resolve("instances/web/srv"));
    Files.writeString(srv.resolve(new StagingName("TASK1", 1).fileName()), "half");
    byte[] bytes = "whole".getBytes(StandardCharsets.UTF_8);

    target.push(
        new PushRequest(
            Destination.of("web", "/srv/data.txt"),
            new ByteArrayInputStream(bytes),
            bytes.length,
            new StagingName("TASK1", 2),
            PushRequest.IntegrityCheck.NONE));

    try (Stream<Path> files = Files.list(srv)) {
      assertThat(files).containsExactly(srv.resolve("data.txt"));
    }
  }

  @Test
  void givenNestedPathWhoseParentsDoNotExist_whenPushing_thenParentsAreCreated() throws Exception {
    var target = new DirectoryTarget(root);

    push(target, Destination.of("web", "/a/b/c/d/file.bin"), "deep");

    assertThat(root.resolve("instances/web/a/b/c/d/file.bin")).hasContent("deep");
  }

  @Test
  void givenMode_whenPushing_thenFileHasThatMode() throws Exception {
    var target = new DirectoryTarget(root);

    push(target, new Destination("web", "/etc/secret", 0600, 0, 0), "s3cr3t");
    push(target, new Destination("web", "/usr/bin/tool", 0755, 0, 0), "#!/bin/sh\n");

    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(root.resolve("instances/web/etc/secret"))))
        .isEqualTo("rw-------");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(root.resolve("instances/web/usr/bin/tool"))))
        .isEqualTo("rwxr-xr-x");
  }

  @Test
  void givenExistingFile_whenPushingShorterContent_thenFileIsReplacedWholeWithNewMode()
      throws Exception {
    var target = new DirectoryTarget(root);
    push(target, new Destination("web", "/srv/app.conf", 0644, 0, 0), "a much longer old content");

    push(target, new Destination("web", "/srv/app.conf", 0600, 0, 0), "new");

    Path file = root.resolve("instances/web/srv/app.conf");
    assertThat(file).hasContent("new");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
  }

  @Test
  void givenPushDone_whenListingTheDirectory_thenNoTemporaryFileIsLeft() throws Exception {
    var target = new DirectoryTarget(root);

    push(target, Destination.of("web", "/srv/one.txt"), "1");

    try (Stream<Path> files = Files.list(root.resolve("instances/web/srv"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("one.txt");
    }
  }

  @Test
  void givenSourceFailingMidway_whenPushing_thenTransientSourceErrorAndOldFileUntouched()
      throws Exception {
    var target = new DirectoryTarget(root);
    push(target, Destination.of("web", "/srv/data.bin"), "old");
    InputStream failing =
        new InputStream() {
          private int served;

          @Override
          public int read() throws IOException {
            if (served++ < 10) {
              return 'x';
            }
            throw new IOException("connection to S3 reset");
          }
        };

    assertThatThrownBy(
            () -> target.push(PushRequest.of(Destination.of("web", "/srv/data.bin"), failing, 100)))
        .isInstanceOfSatisfying(
            SourceReadException.class,
            e -> {
              assertThat(e.permanent()).isFalse();
              assertThat(e.getMessage()).contains("connection to S3 reset");
            });
    assertThat(root.resolve("instances/web/srv/data.bin")).hasContent("old");
    try (Stream<Path> files = Files.list(root.resolve("instances/web/srv"))) {
      assertThat(files).hasSize(1);
    }
  }

  @Test
  void givenFewerBytesThanTheSize_whenPushing_thenSourceErrorAndNothingWritten() {
    var target = new DirectoryTarget(root);

    assertThatThrownBy(
            () ->
                target.push(
                    PushRequest.of(
                        Destination.of("web", "/srv/short.bin"),
                        new ByteArrayInputStream(new byte[5]),
                        10)))
        .isInstanceOf(SourceReadException.class)
        .hasMessageContaining("5 bytes");
    assertThat(root.resolve("instances/web/srv/short.bin")).doesNotExist();
  }

  @Test
  void givenSymlinkInsideTheInstanceLeadingOutsideRoot_whenPushingThroughIt_thenRefused(
      @TempDir Path outside) throws Exception {
    var target = new DirectoryTarget(root);
    Files.createDirectories(root.resolve("instances/web"));
    Files.createSymbolicLink(root.resolve("instances/web/escape"), outside);

    assertThatThrownBy(() -> push(target, Destination.of("web", "/escape/sub/evil.txt"), "x"))
        .isInstanceOfSatisfying(TargetErrorException.class, e -> assertThat(e.permanent()).isTrue())
        .hasMessageContaining("/escape is a symbolic link");
    try (Stream<Path> files = Files.list(outside)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void givenDestinationIsADirectory_whenPushing_thenPermanentError() throws Exception {
    var target = new DirectoryTarget(root);
    Files.createDirectories(root.resolve("instances/web/srv/dir"));

    assertThatThrownBy(() -> push(target, Destination.of("web", "/srv/dir"), "x"))
        .isInstanceOfSatisfying(PushException.class, e -> assertThat(e.permanent()).isTrue())
        .hasMessageContaining("directory");
  }

  @Test
  void givenAnyValidDestination_whenResolved_thenItStaysUnderItsInstanceDirectory() {
    var target = new DirectoryTarget(root);

    Path resolved = target.resolve(Destination.of("web", "/etc/passwd"));

    assertThat(resolved).startsWithRaw(target.root().resolve("instances/web"));
  }

  @Nested
  class Refusals {

    @Test
    void givenAParentThatIsAFile_whenPushing_thenPermanentRefusalInTheInstancesTermsOnly()
        throws Exception {
      var target = new DirectoryTarget(root);
      push(target, Destination.of("web", "/srv/plain"), "a file");

      assertThatThrownBy(() -> push(target, Destination.of("web", "/srv/plain/child"), "x"))
          .isInstanceOfSatisfying(
              TargetErrorException.class, e -> assertThat(e.permanent()).isTrue())
          .hasMessage("Cannot write web:/srv/plain/child: /srv/plain is not a directory")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain(root.toString()));
    }

    @Test
    void givenAReadOnlyFileSystem_whenPushing_thenPermanentRefusalSayingSoWithoutTheHostPath()
        throws Exception {
      var target = new DirectoryTarget(root);
      Path readOnly = Files.createDirectories(root.resolve("instances/web/ro"));
      Process mount =
          new ProcessBuilder(
                  "mount", "-t", "tmpfs", "-o", "ro,size=64k", "uplink-test", readOnly.toString())
              .redirectErrorStream(true)
              .start();
      String said = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assumeTrue(mount.waitFor() == 0, "needs to mount a read-only tmpfs (root on Linux): " + said);
      try {
        assertThatThrownBy(() -> push(target, Destination.of("web", "/ro/file.txt"), "x"))
            .isInstanceOfSatisfying(
                TargetErrorException.class,
                e -> {
                  assertThat(e.permanent()).as("permanent").isTrue();
                  assertThat(e.code()).isEqualTo(PushException.LOCAL_TARGET_ERROR);
                })
            .hasMessage("Cannot write web:/ro/file.txt: Read-only file system");
      } finally {
        new ProcessBuilder("umount", readOnly.toString()).inheritIO().start().waitFor();
      }
    }
  }

  @Nested
  class Confinement {

    private static final int PUSHES = 600;

    @Test
    void
        givenASymlinkInOneInstanceIntoAnothersTree_whenPushingThroughIt_thenRefusedAndNothingLandsThere()
            throws Exception {
      var target = new DirectoryTarget(root);
      Path othersTree = Files.createDirectories(root.resolve("instances/db/srv"));
      Files.createDirectories(root.resolve("instances/web"));
      Files.createSymbolicLink(root.resolve("instances/web/srv"), Path.of("../db/srv"));

      assertThatThrownBy(() -> push(target, Destination.of("web", "/srv/planted.txt"), "x"))
          .isInstanceOfSatisfying(
              TargetErrorException.class, e -> assertThat(e.permanent()).isTrue())
          .hasMessageContaining("web:/srv")
          .hasMessageContaining("symbolic link");
      assertThat(filesUnder(othersTree)).as("files in the other instance's tree").isEmpty();
    }

    @Test
    void givenASymlinkAtTheDestinationItself_whenPushing_thenRefusedAndTheLinkAndItsTargetStay(
        @TempDir Path outside) throws Exception {
      var target = new DirectoryTarget(root);
      Path kept = Files.writeString(outside.resolve("kept.txt"), "kept");
      Path srv = Files.createDirectories(root.resolve("instances/web/srv"));
      Files.createSymbolicLink(srv.resolve("link.txt"), kept);

      assertThatThrownBy(() -> push(target, Destination.of("web", "/srv/link.txt"), "new"))
          .isInstanceOfSatisfying(
              TargetErrorException.class, e -> assertThat(e.permanent()).isTrue())
          .hasMessageContaining("symbolic link");
      assertThat(srv.resolve("link.txt")).isSymbolicLink();
      assertThat(kept).hasContent("kept");
    }

    @Test
    void
        givenADirectorySwappedWithASymlinkToOutsideByRenames_whilePushesRun_thenNothingLandsOutside(
            @TempDir Path outside) throws Exception {
      Path srv = Files.createDirectories(root.resolve("instances/web/srv"));
      Files.createDirectory(srv.resolve("d"));
      Files.createSymbolicLink(srv.resolve("l"), outside);

      // The name is missing now and then, and a directory a push made may be replaced: such a
      // push fails, transiently. None writes outside.
      pushManyThroughTheSwappedDirectory(
          DirectorySwapper.byRenames(srv.resolve("d"), srv.resolve("l")), outside, true);
    }

    @Test
    void
        givenADirectorySwappedWithASymlinkToOutsideByRenameExchange_whilePushesRun_thenNothingLandsOutside(
            @TempDir Path outside) throws Exception {
      Path srv = Files.createDirectories(root.resolve("instances/web/srv"));
      Files.createDirectory(srv.resolve("d"));
      Files.createSymbolicLink(srv.resolve("l"), outside);
      var swapper = DirectorySwapper.byExchange(srv.resolve("d"), srv.resolve("l"));
      assumeTrue(swapper.isPresent(), "needs python3 with renameat2 (Linux) for the helper");

      // The name always exists, a directory or a link: each push lands or is refused.
      pushManyThroughTheSwappedDirectory(swapper.get(), outside, false);
    }

    /**
     * {@value #PUSHES} pushes from 4 threads into {@code web:/srv/d/} and a directory under it,
     * while {@code swapper} swaps {@code d} with a link to {@code outside} (and is closed after):
     * each push lands inside the root or is refused (or, with {@code transientFailuresAllowed},
     * fails transiently), and nothing is ever written outside.
     */
    private void pushManyThroughTheSwappedDirectory(
        DirectorySwapper swapper, Path outside, boolean transientFailuresAllowed) throws Exception {
      var target = new DirectoryTarget(root);
      var landed = new AtomicInteger();
      var refused = new AtomicInteger();
      var failedTransiently = new AtomicInteger();
      var failures = new ConcurrentLinkedQueue<String>();
      ExecutorService pushers = Executors.newFixedThreadPool(4);
      try {
        var pushes = new ArrayList<Future<?>>();
        for (int i = 0; i < PUSHES; i++) {
          String path = i % 2 == 0 ? "/srv/d/file-" + i : "/srv/d/sub-" + (i % 5) + "/file-" + i;
          pushes.add(
              pushers.submit(
                  () -> {
                    try {
                      push(target, Destination.of("web", path), "x");
                      landed.incrementAndGet();
                    } catch (TargetErrorException e) {
                      if (e.permanent() && e.getMessage().contains("symbolic link")) {
                        refused.incrementAndGet();
                      } else if (!e.permanent() && transientFailuresAllowed) {
                        failedTransiently.incrementAndGet();
                      } else {
                        failures.add(e.getMessage());
                      }
                    } catch (PushException e) {
                      failures.add(e.toString());
                    }
                  }));
        }
        for (Future<?> push : pushes) {
          push.get(2, TimeUnit.MINUTES);
        }
      } finally {
        pushers.shutdownNow();
        swapper.close();
      }
      long swaps = swapper.swaps();
      System.out.printf(
          "%d pushes during %d swaps: %d landed inside, %d refused (a symbolic link on the"
              + " path), %d failed transiently%n",
          PUSHES, swaps, landed.get(), refused.get(), failedTransiently.get());

      assertThat(filesUnder(outside)).as("files written outside the root").isEmpty();
      assertThat(failures).as("failures other than those expected").isEmpty();
      assertThat(swaps).as("swaps made while pushing").isPositive();
      assertThat(landed.get()).as("pushes that landed").isPositive();
      assertThat(landed.get() + refused.get() + failedTransiently.get()).isEqualTo(PUSHES);
    }

    private static List<Path> filesUnder(Path dir) throws IOException {
      try (Stream<Path> all = Files.walk(dir)) {
        return all.filter(p -> !p.equals(dir)).toList();
      }
    }
  }

  private static void push(DirectoryTarget target, Destination destination, String content)
      throws PushException {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    target.push(PushRequest.of(destination, new ByteArrayInputStream(bytes), bytes.length));
  }
}
