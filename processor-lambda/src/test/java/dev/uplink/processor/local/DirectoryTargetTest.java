package dev.uplink.processor.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.stream.Stream;
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
        .hasMessageContaining("outside");
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

  private static void push(DirectoryTarget target, Destination destination, String content)
      throws PushException {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    target.push(PushRequest.of(destination, new ByteArrayInputStream(bytes), bytes.length));
  }
}
