package dev.uplink.processor.incus;

import java.util.OptionalLong;

/**
 * What Incus reports about a path in an instance (an SFTP {@code lstat}: a symbolic link is not
 * followed).
 *
 * @param type {@code file}, {@code directory} or {@code symlink}
 * @param mode permission bits
 * @param uid owner user id
 * @param gid owner group id
 * @param size length in bytes, for files
 */
public record IncusFileInfo(String type, int mode, long uid, long gid, OptionalLong size) {

  public boolean isFile() {
    return "file".equals(type);
  }

  public boolean isDirectory() {
    return "directory".equals(type);
  }

  /** The mode as four octal digits, as Incus writes it. */
  public String octalMode() {
    return String.format("%04o", mode);
  }
}
