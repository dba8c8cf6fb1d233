package dev.uplink.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/** The bytes the harness uploads and pushes: random files, and their SHA-256. */
final class Payloads {

  private Payloads() {}

  /**
   * Writes {@code size} random bytes from {@code seed} to {@code file}, unless a file of that size
   * is already there (a run reuses the files of the run before).
   */
  static void writeRandomFile(Path file, long size, long seed) {
    try {
      if (Files.exists(file) && Files.size(file) == size) {
        return;
      }
      Files.createDirectories(file.getParent());
      var random = new SplittableRandom(seed);
      byte[] buffer = new byte[1 << 20];
      try (var out = Files.newOutputStream(file)) {
        for (long written = 0; written < size; written += buffer.length) {
          for (int i = 0; i < buffer.length; i += 8) {
            long v = random.nextLong();
            for (int b = 0; b < 8; b++) {
              buffer[i + b] = (byte) (v >>> (8 * b));
            }
          }
          out.write(buffer, 0, (int) Math.min(buffer.length, size - written));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String sha256Hex(Path file) {
    try (var in = Files.newInputStream(file)) {
      MessageDigest digest = sha256();
      byte[] buffer = new byte[1 << 20];
      int n;
      while ((n = in.read(buffer)) > 0) {
        digest.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String sha256Hex(byte[] content) {
    return HexFormat.of().formatHex(sha256().digest(content));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
