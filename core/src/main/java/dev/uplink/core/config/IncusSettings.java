package dev.uplink.core.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How to reach an Incus server: either its HTTPS URL with our client certificate and key (PEM) and
 * the server's certificate (PEM), which is pinned (no other server certificate is ever trusted), or
 * its local unix socket ({@code unix:///var/lib/incus/unix.socket}), where the kernel vouches for
 * both ends and no certificate is used. Each PEM comes from a file or from a secret read at start
 * ({@link PemSource}); the string form shows where from, never the key.
 *
 * @param url {@code https://host:port} or {@code unix:///absolute/path/to/unix.socket}
 * @param clientCert our certificate; {@code null} for a unix socket
 * @param clientKey our private key; {@code null} for a unix socket
 * @param serverCert the pinned server certificate; {@code null} for a unix socket
 */
public record IncusSettings(
    URI url, PemSource clientCert, PemSource clientKey, PemSource serverCert) {

  public IncusSettings {
    Objects.requireNonNull(url, "url");
    if (isUnixSocket(url)) {
      if (url.getPath() == null || !url.getPath().startsWith("/")) {
        throw new ConfigException(
            "A unix socket URL needs an absolute path, like unix:///var/lib/incus/unix.socket; got "
                + url);
      }
    } else {
      Objects.requireNonNull(clientCert, "clientCert");
      Objects.requireNonNull(clientKey, "clientKey");
      Objects.requireNonNull(serverCert, "serverCert");
    }
  }

  /** From PEM files. */
  public IncusSettings(URI url, Path clientCert, Path clientKey, Path serverCert) {
    this(
        url,
        PemSource.file(Objects.requireNonNull(clientCert, "clientCert")),
        PemSource.file(Objects.requireNonNull(clientKey, "clientKey")),
        PemSource.file(Objects.requireNonNull(serverCert, "serverCert")));
  }

  /**
   * Reads {@code UPLINK_INCUS_URL} and, for HTTPS, the three PEMs ({@code UPLINK_INCUS_CERT},
   * {@code UPLINK_INCUS_KEY}, {@code UPLINK_INCUS_SERVER_CERT}, or their {@code *_SECRET}); empty
   * when the URL is unset (the local directory target).
   */
  static Optional<IncusSettings> read(Environment env) {
    return read(env, DEFAULT_PREFIX);
  }

  /** The variables of the default server: {@code UPLINK_INCUS_URL} and so on. */
  static final String DEFAULT_PREFIX = "UPLINK_INCUS_";

  /**
   * Reads {@code PREFIX + "URL"} and, for HTTPS, {@code PREFIX + "CERT"}, {@code "KEY"} and {@code
   * "SERVER_CERT"} (or their {@code *_SECRET}); empty when the URL is unset. Every error names the
   * variable.
   */
  static Optional<IncusSettings> read(Environment env, String prefix) {
    String urlVariable = prefix + "URL";
    String socket = env.read(Setting.text(urlVariable).orElse(""));
    if (socket.startsWith("unix:")) {
      // On the Incus host itself: the socket's permissions are the authentication.
      if (!socket.startsWith("unix:///")) {
        throw new ConfigException(
            urlVariable
                + " must name the socket by its absolute path, like"
                + " unix:///var/lib/incus/unix.socket, got '"
                + socket
                + "'");
      }
      return Optional.of(unixSocket(Path.of(socket.substring("unix://".length()))));
    }
    Optional<URI> url = env.find(Setting.url(urlVariable));
    if (url.isEmpty()) {
      return Optional.empty();
    }
    if (!"https".equals(url.get().getScheme())) {
      throw new ConfigException(
          urlVariable
              + " must be an https:// URL or unix:///path/to/unix.socket, got "
              + url.get());
    }
    String because = "when " + urlVariable + " is set";
    return Optional.of(
        new IncusSettings(
            url.get(),
            env.pem(prefix + "CERT", because),
            env.pem(prefix + "KEY", because),
            env.pem(prefix + "SERVER_CERT", because)));
  }

  /** The local Incus socket at {@code socket}: no certificates. */
  public static IncusSettings unixSocket(Path socket) {
    return new IncusSettings(
        URI.create("unix://" + socket.toAbsolutePath()), (PemSource) null, null, null);
  }

  /** Whether this is the local unix socket (else HTTPS). */
  public boolean isUnixSocket() {
    return isUnixSocket(url);
  }

  /** The socket's path; only for a unix socket. */
  public Path socketPath() {
    if (!isUnixSocket()) {
      throw new IllegalStateException(url + " is not a unix socket");
    }
    return Path.of(url.getPath());
  }

  private static boolean isUnixSocket(URI url) {
    return "unix".equals(url.getScheme());
  }
}
