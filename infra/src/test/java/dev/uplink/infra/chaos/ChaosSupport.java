package dev.uplink.infra.chaos;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.condition.EnabledIf;

/** Small helpers shared by the chaos tests: sleeping, random data, SHA-256, the long-run switch. */
final class ChaosSupport {

  /**
   * System property (or, upper-cased with dots as underscores, environment variable) enabling the
   * long run.
   */
  static final String LONG_RUN_PROPERTY = "uplink.chaos.long";

  private ChaosSupport() {}

  /**
   * Whether the long chaos run is enabled: always under {@code CI=true} (CI runs everything),
   * otherwise with {@code -Duplink.chaos.long=true} (Surefire passes Maven user properties on to
   * the forked JVM) or {@code UPLINK_CHAOS_LONG=true}. Used with {@link EnabledIf}.
   */
  static boolean longRunEnabled() {
    return "true".equalsIgnoreCase(System.getProperty(LONG_RUN_PROPERTY))
        || "true".equalsIgnoreCase(System.getenv("UPLINK_CHAOS_LONG"))
        || "true".equalsIgnoreCase(System.getenv("CI"));
  }

  static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  static long millisSince(long nanoTime) {
    return (System.nanoTime() - nanoTime) / 1_000_000;
  }

  /** {@code size} random (incompressible) bytes written to {@code file}, 1 MiB at a time. */
  static Path randomFile(Path file, long size) {
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

  static byte[] randomBytes(int size) {
    byte[] bytes = new byte[size];
    ThreadLocalRandom.current().nextBytes(bytes);
    return bytes;
  }

  /** A fresh random suffix for names, e.g. {@code 3f9a0c1b2d4e}. */
  static String randomSuffix() {
    byte[] random = new byte[6];
    ThreadLocalRandom.current().nextBytes(random);
    return HexFormat.of().formatHex(random);
  }

  static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(newDigest().digest(bytes));
  }

  static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return sha256(in).hex();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads {@code in} to its end, then closes it. */
  static Digest sha256(InputStream in) throws IOException {
    MessageDigest digest = newDigest();
    long size;
    try (var digesting = new DigestInputStream(in, digest)) {
      size = digesting.transferTo(OutputStream.nullOutputStream());
    }
    return new Digest(HexFormat.of().formatHex(digest.digest()), size);
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A SHA-256 in lowercase hex and how many bytes it covers. */
  record Digest(String hex, long size) {}
}
