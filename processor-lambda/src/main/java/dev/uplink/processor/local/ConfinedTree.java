package dev.uplink.processor.local;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The directories under a root, opened one name at a time relative to the directory opened before
 * it ({@code openat} with {@code O_NOFOLLOW}, through {@link SecureDirectoryStream}), so that
 * nothing on a path is resolved twice: whatever is renamed, swapped or replaced by a symbolic link
 * while a push runs, the push keeps writing into the directories it opened, all inside the root. A
 * symbolic link anywhere on the path is refused, whether it leads outside the root or elsewhere
 * inside it (into another instance's tree, say).
 *
 * <p>Java has no {@code mkdirat}: a missing directory is made in this tree's own scratch directory
 * ({@value #SCRATCH}, directly under the root, which nothing else writes), given its mode, and then
 * renamed into the opened parent ({@code renameat}), so it too is created only where the walk has
 * been. A rename replaces an empty directory of the same name, so directories are created under a
 * lock and only where the name is free: two pushes in this process cannot replace each other's new
 * directory (two processes sharing one root could, rarely; a push that loses its directory that way
 * fails, nothing goes outside).
 */
final class ConfinedTree {

  /** The scratch directory new directories are made in before they are renamed into place. */
  static final String SCRATCH = ".uplink-new-directories";

  /** How many times a missing directory is created and opened before giving up. */
  private static final int OPEN_ATTEMPTS = 3;

  private final Path root;
  private final Object creating = new Object();

  /**
   * @param root the tree's root, a real path (no symbolic link in it): it is trusted, and opened by
   *     path
   */
  ConfinedTree(Path root) {
    this.root = Objects.requireNonNull(root, "root");
  }

  /** Something on the path is not a directory the walk may enter. */
  static final class RefusedName extends Exception {
    private final int index;
    private final String problem;

    RefusedName(int index, String problem) {
      super("name " + index + " " + problem);
      this.index = index;
      this.problem = problem;
    }

    /** Which of the names walked: 0 is the first below the root. */
    int index() {
      return index;
    }

    /** What is wrong with it: "is a symbolic link", "is not a directory". */
    String problem() {
      return problem;
    }
  }

  /**
   * Opens {@code ROOT/names[0]/names[1]/…}, creating what is missing with {@code mode}; the caller
   * closes it.
   *
   * @param names single names: none is empty, {@code .} or {@code ..}, none contains {@code /}
   * @throws RefusedName if one of them is a symbolic link or not a directory
   * @throws IOException if the filesystem refused
   */
  SecureDirectoryStream<Path> open(List<String> names, int mode) throws IOException, RefusedName {
    SecureDirectoryStream<Path> current = openRoot();
    try {
      for (int i = 0; i < names.size(); i++) {
        SecureDirectoryStream<Path> child = openOrCreate(current, names.get(i), i, mode);
        current.close();
        current = child;
      }
      return current;
    } catch (IOException | RefusedName | RuntimeException e) {
      closeQuietly(current, e);
      throw e;
    }
  }

  /** What is at {@code name} in {@code directory}, without following a link; empty if nothing. */
  static Optional<BasicFileAttributes> lstat(SecureDirectoryStream<Path> directory, String name)
      throws IOException {
    try {
      return Optional.of(
          directory
              .getFileAttributeView(
                  name(name), BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
              .readAttributes());
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** A relative path of exactly one name, so an {@code *at} call resolves nothing else. */
  static Path name(String name) {
    if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0) {
      throw new IllegalArgumentException("Not a single name: " + name);
    }
    return Path.of(name);
  }

  private SecureDirectoryStream<Path> openRoot() throws IOException {
    DirectoryStream<Path> stream = Files.newDirectoryStream(root);
    if (stream instanceof SecureDirectoryStream<Path> secure) {
      return secure;
    }
    stream.close();
    throw new IOException(
        "this system cannot open directories relative to each other (no SecureDirectoryStream),"
            + " so the directory target cannot keep files inside its root");
  }

  private SecureDirectoryStream<Path> openOrCreate(
      SecureDirectoryStream<Path> parent, String name, int index, int mode)
      throws IOException, RefusedName {
    for (int attempt = 1; ; attempt++) {
      try {
        return (SecureDirectoryStream<Path>)
            parent.newDirectoryStream(name(name), LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException missing) {
        if (attempt == OPEN_ATTEMPTS) {
          throw missing; // created, and gone again before it could be opened, every time
        }
        create(parent, name, mode);
      } catch (FileSystemException refused) {
        // O_NOFOLLOW on a link fails (ELOOP), a file is not a directory (ENOTDIR): say which.
        Optional<BasicFileAttributes> found = lstat(parent, name);
        if (found.isEmpty()) {
          if (attempt == OPEN_ATTEMPTS) {
            throw refused;
          }
          continue; // it was just removed: look again
        }
        if (found.get().isSymbolicLink()) {
          throw new RefusedName(index, "is a symbolic link");
        }
        if (!found.get().isDirectory()) {
          throw new RefusedName(index, "is not a directory");
        }
        if (attempt == OPEN_ATTEMPTS) {
          throw refused;
        }
        // A directory again: it was swapped back meanwhile. Look again.
      }
    }
  }

  /**
   * Makes directory {@code name} in {@code parent}, unless something has that name: in the scratch
   * directory, with exactly {@code mode}, then renamed into {@code parent}.
   */
  private void create(SecureDirectoryStream<Path> parent, String name, int mode)
      throws IOException {
    synchronized (creating) {
      if (lstat(parent, name).isPresent()) {
        return; // made meanwhile (by another push, or whatever swaps names): open it as it is
      }
      Path scratchPath = root.resolve(SCRATCH);
      Files.createDirectories(scratchPath);
      Path made = Files.createTempDirectory(scratchPath, "dir-");
      String madeName = made.getFileName().toString();
      try (var scratch = openRootChild(SCRATCH);
          var fresh =
              (SecureDirectoryStream<Path>)
                  scratch.newDirectoryStream(name(madeName), LinkOption.NOFOLLOW_LINKS)) {
        fresh
            .getFileAttributeView(PosixFileAttributeView.class)
            .setPermissions(DirectoryTarget.permissions(mode));
        scratch.move(name(madeName), parent, name(name));
      } catch (IOException e) {
        deleteQuietly(made);
        if (!isTaken(e)) {
          throw e;
        }
        // Something took the name between the look and the rename (and may have gone again):
        // the caller looks at what is there now.
      }
    }
  }

  /** A rename refused because something had the target name: a file, a link or a directory. */
  private static boolean isTaken(IOException e) {
    if (e instanceof FileAlreadyExistsException || e instanceof DirectoryNotEmptyException) {
      return true;
    }
    String reason = e instanceof FileSystemException refusal ? refusal.getReason() : null;
    return reason != null
        && List.of("Not a directory", "Is a directory", "Directory not empty", "File exists")
            .contains(reason);
  }

  private SecureDirectoryStream<Path> openRootChild(String name) throws IOException {
    try (SecureDirectoryStream<Path> rootDirectory = openRoot()) {
      return (SecureDirectoryStream<Path>)
          rootDirectory.newDirectoryStream(name(name), LinkOption.NOFOLLOW_LINKS);
    }
  }

  private static void deleteQuietly(Path scratchDirectory) {
    try {
      Files.deleteIfExists(scratchDirectory);
    } catch (IOException ignored) {
      // a stray empty directory in the scratch directory, which no one sees
    }
  }

  private static void closeQuietly(SecureDirectoryStream<Path> stream, Exception failure) {
    try {
      stream.close();
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
  }
}
