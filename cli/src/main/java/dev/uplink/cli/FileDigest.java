package dev.uplink.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The SHA-256s a presigned upload declares up front, the whole file's and each part's, read from
 * the file in 1 MiB chunks.
 */
final class FileDigest {

  private static final int CHUNK = 1 << 20;

  private FileDigest() {}

  /** The file's SHA-256 as 64 lowercase hex digits, reporting progress on {@code progress}. */
  static String sha256(Path file, ProgressMeter progress) throws IOException {
    MessageDigest digest = newSha256();
    progress.start("sha256", Files.size(file));
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[CHUNK];
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        digest.update(buffer, 0, n);
        progress.advance(n);
      }
    }
    progress.finish();
    return HexFormat.of().formatHex(digest.digest());
  }

  /** The SHA-256 of {@code length} bytes of {@code file} from {@code offset}, in lowercase hex. */
  static String sha256(Path file, long offset, long length) throws IOException {
    MessageDigest digest = newSha256();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(1, length)));
      long position = offset;
      long end = offset + length;
      while (position < end) {
        buffer.clear().limit((int) Math.min(buffer.capacity(), end - position));
        int n = channel.read(buffer, position);
        if (n < 0) {
          throw new IOException(file + " ended at byte " + position + ", before " + end);
        }
        digest.update(buffer.flip());
        position += n;
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides SHA-256", e);
    }
  }
}
