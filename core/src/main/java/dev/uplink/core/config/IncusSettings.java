package dev.uplink.core.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How to reach an Incus server: its HTTPS URL, our client certificate and key (PEM), and the
 * server's certificate (PEM), which is pinned: no other server certificate is ever trusted. Each
 * PEM comes from a file or from a secret read at start ({@link PemSource}); the string form shows
 * where from, never the key.
 */
public record IncusSettings(
    URI url, PemSource clientCert, PemSource clientKey, PemSource serverCert) {
  public IncusSettings {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(clientCert, "clientCert");
    Objects.requireNonNull(clientKey, "clientKey");
    Objects.requireNonNull(serverCert, "serverCert");
  }

  /** From PEM files. */
  public IncusSettings(URI url, Path clientCert, Path clientKey, Path serverCert) {
    this(
        url,
        PemSource.file(Objects.requireNonNull(clientCert, "clientCert")),
        PemSource.file(Objects.requireNonNull(clientKey, "clientKey")),
        PemSource.file(Objects.requireNonNull(serverCert, "serverCert")));
  }
}
