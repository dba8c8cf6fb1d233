package dev.uplink.core.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * PEM text (certificates or a private key) and where it comes from: a file read when it is used, or
 * a secret read at start and kept in memory only (never written to disk, where a Lambda's {@code
 * /tmp} would keep it). Its string form names the origin, never the text.
 */
public sealed interface PemSource permits PemSource.FromFile, PemSource.FromSecret {

  /** The PEM bytes. */
  byte[] bytes() throws IOException;

  /** Where the PEM comes from, for error messages: a path, or a secret's description. */
  String origin();

  static PemSource file(Path path) {
    return new FromFile(path);
  }

  /**
   * PEM text read from a secret.
   *
   * @param origin what the secret is, e.g. "Secrets Manager secret arn:…"
   */
  static PemSource secret(String origin, String pem) {
    return new FromSecret(origin, pem);
  }

  /** A PEM file, read each time it is used. */
  record FromFile(Path path) implements PemSource {
    public FromFile {
      Objects.requireNonNull(path, "path");
    }

    @Override
    public byte[] bytes() throws IOException {
      return Files.readAllBytes(path);
    }

    @Override
    public String origin() {
      return path.toString();
    }

    @Override
    public String toString() {
      return origin();
    }
  }

  /** PEM text that came from a secret. */
  record FromSecret(String origin, String pem) implements PemSource {
    public FromSecret {
      Objects.requireNonNull(origin, "origin");
      Objects.requireNonNull(pem, "pem");
    }

    @Override
    public byte[] bytes() {
      return pem.getBytes(StandardCharsets.US_ASCII);
    }

    /** The origin only: the text may be a private key. */
    @Override
    public String toString() {
      return origin;
    }
  }
}
