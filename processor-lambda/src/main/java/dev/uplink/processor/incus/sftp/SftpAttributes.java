package dev.uplink.processor.incus.sftp;

import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A file's attributes as SFTP v3 carries them ({@code ATTRS}); absent fields were not sent.
 *
 * @param size length in bytes
 * @param uid owner user id
 * @param gid owner group id
 * @param permissions mode bits including the file type ({@code S_IFMT})
 */
public record SftpAttributes(
    OptionalLong size, OptionalLong uid, OptionalLong gid, OptionalInt permissions) {

  static final int FLAG_SIZE = 0x1;
  static final int FLAG_UIDGID = 0x2;
  static final int FLAG_PERMISSIONS = 0x4;
  static final int FLAG_ACMODTIME = 0x8;
  static final int FLAG_EXTENDED = 0x8000_0000;

  private static final int TYPE_MASK = 0170000;
  private static final int TYPE_DIRECTORY = 0040000;
  private static final int TYPE_REGULAR = 0100000;
  private static final int TYPE_SYMLINK = 0120000;

  /** No attributes at all. */
  public static final SftpAttributes NONE =
      new SftpAttributes(
          OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), OptionalInt.empty());

  /**
   * The owner alone. Set it apart from the mode: Incus's SFTP server (pkg/sftp) reads a SETSTAT's
   * permissions before its uid and gid, against the protocol's order, so one request carrying both
   * sets the mode to the uid (seen on Incus 6.0.4: uid 1000 gave mode 0750).
   */
  public static SftpAttributes owner(long uid, long gid) {
    return new SftpAttributes(
        OptionalLong.empty(), OptionalLong.of(uid), OptionalLong.of(gid), OptionalInt.empty());
  }

  /** Permission bits alone (on create, the server's umask may still narrow them). */
  public static SftpAttributes mode(int mode) {
    return new SftpAttributes(
        OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), OptionalInt.of(mode));
  }

  public boolean isDirectory() {
    return type() == TYPE_DIRECTORY;
  }

  public boolean isRegularFile() {
    return type() == TYPE_REGULAR;
  }

  public boolean isSymbolicLink() {
    return type() == TYPE_SYMLINK;
  }

  /** The permission bits without the file type (e.g. {@code 0640}), or 0 if not sent. */
  public int mode() {
    return permissions.orElse(0) & 07777;
  }

  private int type() {
    return permissions.orElse(0) & TYPE_MASK;
  }

  int flags() {
    int flags = 0;
    if (size.isPresent()) {
      flags |= FLAG_SIZE;
    }
    if (uid.isPresent() || gid.isPresent()) {
      flags |= FLAG_UIDGID;
    }
    if (permissions.isPresent()) {
      flags |= FLAG_PERMISSIONS;
    }
    return flags;
  }
}
