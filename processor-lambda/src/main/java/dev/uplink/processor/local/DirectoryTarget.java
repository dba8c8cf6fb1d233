package dev.uplink.processor.local;

import dev.uplink.core.domain.Destination;
import dev.uplink.processor.FailureClassifier;
import dev.uplink.processor.FileTarget;
import dev.uplink.processor.PushException;
import dev.uplink.processor.PushRequest;
import dev.uplink.processor.SourceReadException;
import dev.uplink.processor.TargetErrorException;
import dev.uplink.processor.TargetUnavailableException;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The target without Incus: {@code ROOT/instances/NAME/PATH} on the local filesystem, for local
 * runs and demos.
 *
 * <p>Each file is written to its staging file ({@link PushRequest#staging()}) in its final
 * directory, flushed to disk, checked ({@link PushRequest#verifyBeforeRename()}), given its mode,
 * then renamed over the destination, so a crash never leaves half a file under the final name. The
 * permission bits (rwx for user, group and others) are applied; the owner (uid, gid) is not, since
 * the worker normally cannot chown. Missing parent directories are created with mode 0755.
 *
 * <p>Nothing is ever written outside {@code ROOT/instances/NAME}: the directories are opened one
 * name at a time, each relative to the one before, never following a symbolic link ({@link
 * ConfinedTree}), and the staging file is created, given its mode and renamed relative to the
 * directory opened last. No path is resolved twice, so renaming or swapping directories while a
 * push runs cannot send it elsewhere. A symbolic link anywhere on the path, the destination
 * included, is refused for good, as the Incus target refuses one at the destination.
 *
 * <p>Errors name the destination as the instance sees it ({@code web:/srv/a.txt}), never where the
 * instance's tree lies on this machine.
 */
public final class DirectoryTarget implements FileTarget {

  private static final String INSTANCES = "instances";

  /** Mode of the parent directories a push creates, as the Incus target's. */
  private static final int DIRECTORY_MODE = 0755;

  /** Mode of a staging file until its bytes are verified: private. */
  private static final int STAGING_MODE = 0600;

  private final Path root;
  private final ConfinedTree tree;

  /** Creates {@code root} if needed. */
  public DirectoryTarget(Path root) {
    Objects.requireNonNull(root, "root");
    try {
      Files.createDirectories(root);
      this.root = root.toRealPath();
    } catch (IOException e) {
      throw new IllegalArgumentException("Cannot use " + root + " as the directory target", e);
    }
    this.tree = new ConfinedTree(this.root);
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

  /**
   * Where {@code destination} lives on disk (whether or not it exists yet), to read it back; a push
   * never resolves this path.
   */
  public Path resolve(Destination destination) {
    Path instanceRoot = root.resolve(INSTANCES).resolve(destination.instance()).normalize();
    Path file = instanceRoot.resolve(destination.path().substring(1)).normalize();
    if (!instanceRoot.startsWith(root.resolve(INSTANCES))
        || !file.startsWith(instanceRoot)
        || file.equals(instanceRoot)) {
      throw new IllegalArgumentException(
          "Destination " + destination.path() + " escapes " + instanceRoot);
    }
    return file;
  }

  @Override
  public void push(PushRequest request) throws PushException {
    var placement = new Placement(request);
    try (SecureDirectoryStream<Path> directory =
        tree.open(placement.directories(), DIRECTORY_MODE)) {
      placement.into(directory);
    } catch (ConfinedTree.RefusedName refused) {
      throw placement.refusal(placement.shownDirectory(refused.index()) + " " + refused.problem());
    } catch (IOException e) {
      throw placement.failure(e);
    } catch (InvalidPathException e) {
      throw placement.refusal(
          "a name in it cannot be written here (this system's file names are "
              + System.getProperty("sun.jnu.encoding", "in another encoding")
              + ")");
    }
  }

  /** One push: its names, its staging file, and its errors in the instance's terms. */
  private final class Placement {
    private final PushRequest request;
    private final Destination destination;
    private final List<String> segments;
    private final String fileName;
    private final String staging;

    Placement(PushRequest request) {
      this.request = request;
      this.destination = request.destination();
      this.segments = List.of(destination.path().substring(1).split("/"));
      this.fileName = segments.get(segments.size() - 1);
      this.staging = request.staging().fileName();
    }

    /** From the root: {@code instances}, the instance, then the path's parent directories. */
    List<String> directories() {
      var names = new ArrayList<String>(segments.size() + 1);
      names.add(INSTANCES);
      names.add(destination.instance());
      names.addAll(segments.subList(0, segments.size() - 1));
      return names;
    }

    /** {@code directories().get(index)} as the instance sees it. */
    String shownDirectory(int index) {
      return index < 2
          ? "the instance's root directory"
          : "/" + String.join("/", segments.subList(0, index - 1));
    }

    void into(SecureDirectoryStream<Path> directory) throws IOException, PushException {
      refuseNonFile(directory);
      for (String earlier : request.staging().earlierFileNames()) {
        deleteIfExists(directory, earlier);
      }
      deleteIfExists(directory, staging);
      boolean staged = false;
      try {
        try (var channel =
            (FileChannel)
                directory.newByteChannel(
                    ConfinedTree.name(staging),
                    Set.<OpenOption>of(
                        StandardOpenOption.WRITE,
                        StandardOpenOption.CREATE_NEW,
                        LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(permissions(STAGING_MODE)))) {
          staged = true;
          request.content().transferTo(Channels.newOutputStream(channel));
          channel.force(true);
        }
        request.verifyBeforeRename();
        directory
            .getFileAttributeView(
                ConfinedTree.name(staging), PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
            .setPermissions(permissions(destination.mode()));
        directory.move(ConfinedTree.name(staging), directory, ConfinedTree.name(fileName));
        staged = false;
      } finally {
        if (staged) {
          discard(directory);
        }
      }
    }

    private void refuseNonFile(SecureDirectoryStream<Path> directory)
        throws IOException, PushException {
      Optional<BasicFileAttributes> existing = ConfinedTree.lstat(directory, fileName);
      if (existing.isPresent() && existing.get().isDirectory()) {
        throw refusal("it is a directory");
      }
      if (existing.isPresent() && existing.get().isSymbolicLink()) {
        throw refusal(
            "it is a symbolic link (a rename over it would replace the link, not its target:"
                + " push to the target instead)");
      }
    }

    private void discard(SecureDirectoryStream<Path> directory) {
      try {
        deleteIfExists(directory, staging);
      } catch (IOException ignored) {
        // best effort: a stray staging file never carries the final name, and the next attempt
        // removes it by name
      }
    }

    /** A refusal trying again cannot change: the task fails. */
    TargetErrorException refusal(String why) {
      return new TargetErrorException(
          PushException.LOCAL_TARGET_ERROR, "Cannot write " + shown() + ": " + why, true, null);
    }

    /**
     * The source's failure if it was the source that broke off, else the filesystem's refusal:
     * permanent when it cannot change by itself ({@link FailureClassifier#isPermanentRefusal}).
     */
    PushException failure(IOException e) {
      Optional<SourceReadException> sourceProblem = request.sourceProblem();
      if (sourceProblem.isPresent()) {
        return sourceProblem.get();
      }
      String reason = reasonOf(e);
      return new TargetErrorException(
          PushException.LOCAL_TARGET_ERROR,
          "Cannot write " + shown() + ": " + reason,
          FailureClassifier.isPermanentRefusal(reason),
          e);
    }

    private String shown() {
      return destination.instance() + ":" + destination.path();
    }
  }

  /**
   * What the filesystem said, without the path on this machine that an exception's message carries:
   * the reason ({@code File name too long}), or what its type means.
   */
  private String reasonOf(IOException e) {
    if (e instanceof FileSystemException refusal && refusal.getReason() != null) {
      return refusal.getReason();
    }
    if (e instanceof NoSuchFileException) {
      return "No such file or directory";
    }
    if (e instanceof FileAlreadyExistsException) {
      return "File exists";
    }
    if (e instanceof AccessDeniedException) {
      return "Permission denied";
    }
    if (e instanceof NotDirectoryException) {
      return "Not a directory";
    }
    if (e instanceof DirectoryNotEmptyException) {
      return "Directory not empty";
    }
    if (e instanceof AtomicMoveNotSupportedException) {
      return "Cannot rename across filesystems";
    }
    String message = e.getMessage();
    return message == null || message.isBlank()
        ? e.getClass().getSimpleName()
        : message.replace(root.toString(), "<directory target>");
  }

  private static void deleteIfExists(SecureDirectoryStream<Path> directory, String name)
      throws IOException {
    try {
      directory.deleteFile(ConfinedTree.name(name));
    } catch (NoSuchFileException e) {
      // nothing there
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
