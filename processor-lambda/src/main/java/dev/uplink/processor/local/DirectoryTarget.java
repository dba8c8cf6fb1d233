package dev.uplink.processor.local;

import dev.uplink.core.domain.Destination;
import dev.uplink.processor.FileTarget;
import dev.uplink.processor.PushException;
import dev.uplink.processor.PushRequest;
import dev.uplink.processor.SourceReadException;
import dev.uplink.processor.TargetErrorException;
import dev.uplink.processor.TargetUnavailableException;
import dev.uplink.processor.TrackedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The target without Incus: {@code ROOT/instances/NAME/PATH} on the local filesystem, for local
 * runs and demos.
 *
 * <p>Each file is written to its staging file in its final directory, flushed to disk, checked
 * ({@link PushRequest#integrity()}), then moved into place atomically, so a crash never leaves half
 * a file under the final name. The permission bits (rwx for user, group and others) are applied
 * where the filesystem is POSIX; setuid, setgid, sticky and the owner (uid, gid) are not, since the
 * worker normally cannot chown. Nothing is ever written outside {@code ROOT}, not even through a
 * symbolic link.
 */
public final class DirectoryTarget implements FileTarget {

  private final Path root;

  /** Creates {@code root} if needed. */
  public DirectoryTarget(Path root) {
    Objects.requireNonNull(root, "root");
    try {
      Files.createDirectories(root);
      this.root = root.toRealPath();
    } catch (IOException e) {
      throw new IllegalArgumentException("Cannot use " + root + " as the directory target", e);
    }
  }

  public Path root() {
    return root;
  }

  /** The directory exists and may be written. */
  @Override
  public void checkReady() throws PushException {
    if (!Files.isDirectory(root) || !Files.isWritable(root)) {
      throw new TargetUnavailableException(
          "The directory target " + root + " is not writable", null);
    }
  }

  /** Where {@code destination} lives on disk (whether or not it exists yet). */
  public Path resolve(Destination destination) {
    Path instanceRoot = root.resolve("instances").resolve(destination.instance()).normalize();
    Path file = instanceRoot.resolve(destination.path().substring(1)).normalize();
    if (!instanceRoot.startsWith(root.resolve("instances"))
        || !file.startsWith(instanceRoot)
        || file.equals(instanceRoot)) {
      throw new IllegalArgumentException(
          "Destination " + destination.path() + " escapes " + instanceRoot);
    }
    return file;
  }

  @Override
  public void push(PushRequest request) throws PushException {
    Destination destination = request.destination();
    long size = request.size();
    Path file = resolve(destination);
    Path dir = file.getParent();
    Path temp = null;
    var tracked = new TrackedInputStream(request.content());
    try {
      createDirectoriesInsideRoot(dir, destination);
      if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
        throw new TargetErrorException(
            PushException.LOCAL_TARGET_ERROR,
            "Cannot write " + destination.path() + ": it is a directory",
            true,
            null);
      }
      for (String earlier : request.staging().earlierFileNames()) {
        Files.deleteIfExists(dir.resolve(earlier));
      }
      temp = dir.resolve(request.staging().fileName());
      Files.deleteIfExists(temp);
      try (FileChannel channel =
              FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
          OutputStream out = Channels.newOutputStream(channel)) {
        applyMode(temp, 0600); // private until its bytes are verified and its mode set
        tracked.transferTo(out);
        channel.force(true);
      }
      Optional<SourceReadException> sourceProblem = tracked.sourceProblem(size);
      if (tracked.count() != size) {
        throw sourceProblem.orElseGet(
            () ->
                new SourceReadException(
                    "The file to push yielded %d bytes, but its size is %d"
                        .formatted(tracked.count(), size),
                    null));
      }
      request.integrity().verify();
      applyMode(temp, destination.mode());
      moveIntoPlace(temp, file);
      temp = null;
    } catch (IOException e) {
      Optional<SourceReadException> sourceProblem = tracked.sourceProblem(size);
      if (sourceProblem.isPresent()) {
        throw sourceProblem.get();
      }
      throw new TargetErrorException(
          PushException.LOCAL_TARGET_ERROR,
          "Cannot write " + destination.path() + ": " + e,
          false,
          e);
    } finally {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException ignored) {
          // best effort: a stray staging file never carries the final name, and the next
          // attempt removes it by name
        }
      }
    }
  }

  /**
   * Creates the directories from ROOT down to {@code dir} one at a time, refusing to follow a
   * symbolic link that leads outside ROOT (so not even a directory is created outside it).
   */
  private void createDirectoriesInsideRoot(Path dir, Destination destination)
      throws IOException, PushException {
    Path current = root;
    for (Path name : root.relativize(dir)) {
      current = current.resolve(name);
      if (Files.isSymbolicLink(current) && !current.toRealPath().startsWith(root)) {
        throw new TargetErrorException(
            PushException.LOCAL_TARGET_ERROR,
            "Cannot write %s: %s is a symbolic link leading outside %s"
                .formatted(destination.path(), current, root),
            true,
            null);
      }
      if (!Files.exists(current)) {
        try {
          Files.createDirectory(current);
        } catch (java.nio.file.FileAlreadyExistsException raced) {
          // another push created it meanwhile
        }
      }
      if (!Files.isDirectory(current)) {
        throw new TargetErrorException(
            PushException.LOCAL_TARGET_ERROR,
            "Cannot write %s: %s is not a directory".formatted(destination.path(), current),
            true,
            null);
      }
    }
  }

  private static void applyMode(Path file, int mode) throws IOException {
    PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
    if (view != null) {
      view.setPermissions(permissions(mode));
    }
  }

  private static void moveIntoPlace(Path temp, Path file) throws IOException {
    try {
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** The rwx bits of {@code mode} (the low nine bits). */
  static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {
      PosixFilePermission.OTHERS_EXECUTE,
      PosixFilePermission.OTHERS_WRITE,
      PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE,
      PosixFilePermission.OWNER_WRITE,
      PosixFilePermission.OWNER_READ
    };
    for (int bit = 0; bit < order.length; bit++) {
      if ((mode & (1 << bit)) != 0) {
        perms.add(order[bit]);
      }
    }
    return perms;
  }
}
