package dev.uplink.infra;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The local stack's claim on its data directory: one {@code uplink local} per directory. Its task
 * table has one processor only because of this, which lets a restart take back the leases of the
 * run that died instead of waiting for them to run out. The operating system releases the lock when
 * the process dies, however it dies.
 */
final class DataDirectoryLock implements AutoCloseable {

  static final String FILE = "uplink.lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirectoryLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock on {@code dataDir}, creating the directory if needed.
   *
   * @throws IllegalStateException if another process holds it, in a sentence for the user
   */
  static DataDirectoryLock acquire(Path dataDir) throws IOException {
    Files.createDirectories(dataDir);
    Path file = dataDir.resolve(FILE);
    FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      channel.close();
      throw new IllegalStateException(
          "another uplink local is running with the data directory "
              + dataDir
              + " (it holds "
              + file
              + "): stop it, or set UPLINK_DATA_DIR to another directory");
    }
    return new DataDirectoryLock(channel, lock);
  }

  @Override
  public void close() throws IOException {
    try (channel) {
      lock.release();
    }
  }
}
