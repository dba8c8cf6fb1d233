package dev.uplink.api.http;

import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * A large request body generated on the fly, never held in memory, whose SHA-256 is computed as the
 * HTTP client reads it.
 */
final class GeneratedBody {

  private static final int BLOCK = 64 * 1024;

  private final long size;
  private final MessageDigest sha256;
  private final byte[] pattern = new byte[BLOCK];

  GeneratedBody(long size) {
    this.size = size;
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    new SplittableRandom(42).nextBytes(pattern);
  }

  long size() {
    return size;
  }

  /** A fresh stream over the bytes, hashing them as they are read; open it once. */
  InputStream open() {
    return new DigestInputStream(new Generator(), sha256);
  }

  /** The SHA-256 of everything read so far, in lowercase hex. */
  String sha256Hex() {
    return HexFormat.of().formatHex(sha256.digest());
  }

  private final class Generator extends InputStream {
    private long position;

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) {
      if (position >= size) {
        return -1;
      }
      int inBlock = (int) (position % BLOCK);
      int n = (int) Math.min(Math.min(length, BLOCK - inBlock), size - position);
      byte salt = (byte) (position / BLOCK);
      for (int i = 0; i < n; i++) {
        buffer[offset + i] = (byte) (pattern[inBlock + i] ^ salt);
      }
      position += n;
      return n;
    }
  }
}
