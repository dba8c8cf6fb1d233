package dev.uplink.infra.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;

/** Random test files, bytes and names, and their SHA-256 (pipeline and chaos tests). */
public final class TestFiles {

  private TestFiles() {}

  /** {@code size} random (incompressible) bytes written to {@code file}, 1 MiB at a time. */
  public static Path random(Path file, long size) {
    Random random = new Random(ThreadLocalRandom.current().nextLong());
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long left = size; left > 0; left -= chunk.length) {
        random.nextBytes(chunk);
        out.write(chunk, 0, (int) Math.min(chunk.length, left));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  public static byte[] randomBytes(int size) {
    byte[] bytes = new byte[size];
    ThreadLocalRandom.current().nextBytes(bytes);
    return bytes;
  }

  public static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return sha256(in).hex();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads {@code in} to its end, then closes it. */
  public static Digest sha256(InputStream in) throws IOException {
    MessageDigest digest = newDigest();
    long size;
    try (var digesting = new DigestInputStream(in, digest)) {
      size = digesting.transferTo(OutputStream.nullOutputStream());
    }
    return new Digest(HexFormat.of().formatHex(digest.digest()), size);
  }

  public static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(newDigest().digest(bytes));
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A SHA-256 in lowercase hex and how many bytes it covers. */
  public record Digest(String hex, long size) {}

  /** A fresh random suffix for names, e.g. {@code 3f9a0c1b2d4e}. */
  public static String randomSuffix() {
    byte[] random = new byte[6];
    ThreadLocalRandom.current().nextBytes(random);
    return HexFormat.of().formatHex(random);
  }
}
