package dev.uplink.processor.incus;

import dev.uplink.core.domain.Destination;
import dev.uplink.processor.IntegrityMismatchException;
import dev.uplink.processor.PushException;
import dev.uplink.processor.PushRequest;
import dev.uplink.processor.SourceReadException;
import dev.uplink.processor.TargetErrorException;
import dev.uplink.processor.incus.sftp.SftpAttributes;
import dev.uplink.processor.incus.sftp.SftpException;
import dev.uplink.processor.incus.sftp.SftpSession;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One file into an instance over an SFTP session, so that the destination only ever holds the whole
 * old file or the whole new, verified one:
 *
 * <ol>
 *   <li>{@code lstat} the destination: a directory or a symbolic link there is refused;
 *   <li>remove what earlier attempts of the same task may have left ({@link
 *       dev.uplink.processor.StagingName#earlierFileNames()});
 *   <li>create the staging file next to the destination (exclusive, mode 0600), creating the
 *       missing parent directories only if that fails for want of them;
 *   <li>give it the requested mode and owner, before any byte is in it;
 *   <li>stream the bytes with a window of writes in flight;
 *   <li>verify what was read ({@link PushRequest#verifyBeforeRename}: the whole source, and its
 *       SHA-256), and compare the size the server reports ({@code fstat});
 *   <li>close, and {@code posix-rename} it over the destination (rename(2): atomic).
 * </ol>
 *
 * Any failure before the rename removes the staging file (when the session still works; otherwise
 * the next attempt does, by name).
 */
final class AtomicPush {

  /** Bytes per write request: Incus's SFTP server (pkg/sftp) takes packets up to 256 KiB. */
  static final int CHUNK_BYTES = 128 * 1024;

  /** Writes in flight at once: 2 MiB, enough to keep a local or LAN link busy. */
  static final int WINDOW = 16;

  private static final Logger log = LoggerFactory.getLogger(AtomicPush.class);

  private final SftpSession sftp;
  private final PushRequest request;
  private final Destination destination;
  private final String directory;
  private final String staging;
  private byte[] handle;
  private boolean stagingExists;

  AtomicPush(SftpSession sftp, PushRequest request) {
    this.sftp = sftp;
    this.request = request;
    this.destination = request.destination();
    this.directory = parentOf(destination.path());
    this.staging = join(directory, request.staging().fileName());
  }

  /** The first request, asked alone so a dead reused session can be replaced before anything. */
  Optional<SftpAttributes> inspectDestination() throws IOException {
    return sftp.lstat(destination.path());
  }

  void run(Optional<SftpAttributes> existing) throws IOException, PushException {
    refuseNonFiles(existing);
    removeLeftovers();
    try {
      openStaging(existing.isPresent());
      // Owner first, then the mode: a chown may clear mode bits, never the other way round.
      sftp.fsetstat(handle, staging, SftpAttributes.owner(destination.uid(), destination.gid()));
      sftp.fsetstat(handle, staging, SftpAttributes.mode(destination.mode()));
      stream();
      request.verifyBeforeRename();
      verifyStoredSize();
      sftp.closeHandle(handle, staging);
      handle = null;
      sftp.posixRename(staging, destination.path());
      stagingExists = false;
    } finally {
      if (stagingExists) {
        discardStaging();
      }
    }
  }

  private void refuseNonFiles(Optional<SftpAttributes> existing) throws PushException {
    if (existing.isEmpty() || existing.get().isRegularFile()) {
      return;
    }
    String what = existing.get().isDirectory() ? "is a directory" : "is a symbolic link";
    throw new TargetErrorException(
        409,
        what,
        "Incus could not push %s:%s: the path %s"
            .formatted(destination.instance(), destination.path(), what),
        true);
  }

  private void removeLeftovers() throws IOException {
    for (String name : request.staging().earlierFileNames()) {
      try {
        sftp.remove(join(directory, name));
        log.info("Removed {} left by an earlier attempt in {}", name, destination.instance());
      } catch (SftpException e) {
        // Usually nothing there (no such file), or the directory does not exist yet.
      }
    }
  }

  private void openStaging(boolean parentExists) throws IOException, PushException {
    int flags = SftpSession.OPEN_WRITE | SftpSession.OPEN_CREATE | SftpSession.OPEN_EXCLUSIVE;
    try {
      handle = sftp.open(staging, flags, SftpAttributes.mode(0600));
    } catch (SftpException e) {
      if (parentExists) {
        throw e;
      }
      new ParentDirectories(sftp, destination).create();
      handle = sftp.open(staging, flags, SftpAttributes.mode(0600));
    }
    stagingExists = true;
  }

  private void stream() throws IOException, PushException {
    InputStream content = request.content();
    long size = request.size();
    byte[] chunk = new byte[(int) Math.min(CHUNK_BYTES, Math.max(1, size))];
    long offset = 0;
    while (offset < size) {
      int want = (int) Math.min(chunk.length, size - offset);
      int got = readSource(content, chunk, want);
      if (got < want) {
        throw sourceFailed();
      }
      sftp.write(handle, staging, offset, chunk, got, WINDOW);
      offset += got;
    }
    sftp.awaitWrites();
  }

  /** Reads from the source; a failure there is the source's, told apart from the target's. */
  private int readSource(InputStream content, byte[] chunk, int want) throws PushException {
    try {
      return Math.max(0, content.readNBytes(chunk, 0, want));
    } catch (IOException e) {
      throw sourceFailed();
    }
  }

  /**
   * The source failed or ended early, as the request's stream recorded it: lets the writes in
   * flight finish, so the staging file can go.
   */
  private SourceReadException sourceFailed() {
    try {
      sftp.awaitWrites();
    } catch (IOException e) {
      log.debug("A write failed too while the source failed: {}", e.getMessage());
    }
    return request
        .sourceProblem()
        .orElseGet(() -> new SourceReadException("Reading the file to push failed", null));
  }

  private void verifyStoredSize() throws IOException, IntegrityMismatchException {
    long stored = sftp.fstat(handle, staging).size().orElse(-1);
    if (stored != request.size()) {
      throw new IntegrityMismatchException(
          "Incus took %d bytes for %s:%s but its staging file has %d; nothing was replaced"
              .formatted(request.size(), destination.instance(), destination.path(), stored));
    }
  }

  private void discardStaging() {
    if (sftp.isBroken()) {
      return; // the next attempt removes it by name
    }
    try {
      if (handle != null) {
        sftp.closeHandle(handle, staging);
      }
      sftp.remove(staging);
    } catch (IOException e) {
      log.debug("Could not remove the staging file {}: {}", staging, e.getMessage());
    }
  }

  static String parentOf(String path) {
    int slash = path.lastIndexOf('/');
    return slash == 0 ? "/" : path.substring(0, slash);
  }

  private static String join(String directory, String name) {
    return directory.equals("/") ? "/" + name : directory + "/" + name;
  }

  /**
   * The missing parents of a destination, created outermost first like {@code incus file push -p}.
   */
  private record ParentDirectories(SftpSession sftp, Destination destination) {

    void create() throws IOException, PushException {
      List<String> parents = destination.parentDirectories();
      int firstMissing = parents.size();
      for (int i = parents.size() - 1; i >= 0; i--) {
        Optional<SftpAttributes> info = sftp.stat(parents.get(i));
        if (info.isPresent()) {
          if (!info.get().isDirectory()) {
            throw new TargetErrorException(
                409,
                "not a directory",
                "Incus could not push %s:%s: %s is not a directory"
                    .formatted(destination.instance(), destination.path(), parents.get(i)),
                true);
          }
          break;
        }
        firstMissing = i;
      }
      for (String dir : parents.subList(firstMissing, parents.size())) {
        createOne(dir);
      }
    }

    private void createOne(String dir) throws IOException {
      try {
        sftp.mkdir(dir, SftpAttributes.mode(IncusClient.DIRECTORY_MODE));
      } catch (SftpException e) {
        // Two pushes into one new directory race to create it: fine if a directory is there now.
        if (sftp.stat(dir).map(SftpAttributes::isDirectory).orElse(false)) {
          return;
        }
        throw e;
      }
      sftp.setstat(dir, SftpAttributes.owner(destination.uid(), destination.gid()));
      // The exact mode, whatever the server's umask did to the mkdir's.
      sftp.setstat(dir, SftpAttributes.mode(IncusClient.DIRECTORY_MODE));
    }
  }
}
