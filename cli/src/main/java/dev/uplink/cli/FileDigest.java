package dev.uplink.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The SHA-256 a presigned upload declares up front, read from the file in 1 MiB chunks. */
final class FileDigest {

  private static final int CHUNK = 1 << 20;

  private FileDigest() {}

  /** The file's SHA-256 as 64 lowercase hex digits, reporting progress on {@code progress}. */
  static String sha256(Path file, ProgressMeter progress) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides SHA-256", e);
    }
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
}
