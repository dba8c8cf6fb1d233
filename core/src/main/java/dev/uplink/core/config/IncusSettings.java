package dev.uplink.core.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How to reach an Incus server: its HTTPS URL, our client certificate and key (PEM), and the
 * server's certificate (PEM), which is pinned: no other server certificate is ever trusted.
 */
public record IncusSettings(URI url, Path clientCert, Path clientKey, Path serverCert) {
  public IncusSettings {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(clientCert, "clientCert");
    Objects.requireNonNull(clientKey, "clientKey");
    Objects.requireNonNull(serverCert, "serverCert");
  }
}
