package dev.uplink.processor.incus;

import dev.uplink.core.config.IncusSettings;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * Opens connections to one Incus server and speaks the little HTTP it needs on them: over TLS (our
 * client certificate, only the pinned server certificate, TLS 1.3) or over the local unix socket,
 * where the socket's permissions are the authentication.
 *
 * <p>{@code java.net.http} neither upgrades a connection to another protocol nor speaks over a unix
 * socket, so the two exchanges Uplink uses are written here: an upgrade to SFTP ({@code GET
 * /1.0/instances/NAME/sftp}, answered {@code 101 Switching Protocols}) and a plain {@code GET} as
 * HTTP/1.0 (the server closes the connection after the body, so no chunked decoding is needed).
 */
final class IncusConnector implements AutoCloseable {

  private static final int MAX_HEAD_BYTES = 64 * 1024;
  private static final int MAX_BODY_BYTES = 1 << 20;

  private final URI url;
  private final SSLContext tls;
  private final Duration connectTimeout;
  private final Duration readTimeout;
  private final StallGuard stallGuard;

  IncusConnector(IncusSettings settings, Duration connectTimeout, Duration readTimeout) {
    this.url = settings.url();
    this.tls = settings.isUnixSocket() ? null : IncusTls.context(settings);
    this.connectTimeout = connectTimeout;
    this.readTimeout = readTimeout;
    this.stallGuard = new StallGuard(readTimeout);
  }

  /** A raw, open connection: its streams, closed together. */
  record Connection(InputStream in, OutputStream out, Closeable closer) implements Closeable {
    @Override
    public void close() {
      try {
        closer.close();
      } catch (IOException ignored) {
        // closing a connection we are done with
      }
    }
  }

  /** An HTTP answer's status, lower-cased headers and (bounded) body. */
  record Answer(int status, Map<String, String> headers, byte[] body) {}

  /**
   * Asks for {@code path} to be upgraded to {@code protocol}. On {@code 101} the connection speaks
   * it from then on and is returned; on any other answer the connection is closed and the answer
   * returned.
   */
  Upgrade upgrade(String path, String protocol) throws IOException {
    Connection connection = connect();
    try {
      var in = new BufferedInputStream(connection.in(), 64 * 1024);
      send(
          connection.out(),
          "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: %s\r\n\r\n"
              .formatted(path, host(), protocol));
      Answer head = readHead(in);
      if (head.status() == 101) {
        return new Upgrade(Optional.of(new Connection(in, connection.out(), connection)), head);
      }
      byte[] body = readBody(in, head.headers());
      connection.close();
      return new Upgrade(Optional.empty(), new Answer(head.status(), head.headers(), body));
    } catch (IOException | RuntimeException e) {
      connection.close();
      throw e;
    }
  }

  /** The outcome of an upgrade: the upgraded connection, or the refusal. */
  record Upgrade(Optional<Connection> connection, Answer answer) {}

  /** {@code GET path} as HTTP/1.0; the body is read to the end (at most 1 MiB). */
  Answer get(String path) throws IOException {
    try (Connection connection = connect()) {
      var in = new BufferedInputStream(connection.in());
      send(connection.out(), "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n".formatted(path, host()));
      Answer head = readHead(in);
      return new Answer(head.status(), head.headers(), readBody(in, head.headers()));
    }
  }

  /** {@code host:port}, or the socket's path: what the per-host cap and messages name. */
  String authority() {
    return url.getAuthority() != null ? url.getAuthority() : url.getPath();
  }

  String url() {
    return url.toString();
  }

  private Connection connect() throws IOException {
    return stallGuard.guard(tls == null ? connectUnix() : connectTls());
  }

  /** Stops watching for stalled calls (open connections keep working, unwatched). */
  @Override
  public void close() {
    stallGuard.close();
  }

  private Connection connectTls() throws IOException {
    Socket raw = new Socket();
    try {
      stallGuard.during(
          raw,
          () -> {
            raw.connect(
                new InetSocketAddress(url.getHost(), url.getPort() > 0 ? url.getPort() : 8443),
                (int) connectTimeout.toMillis());
            return null;
          });
      raw.setTcpNoDelay(true);
      raw.setSoTimeout((int) readTimeout.toMillis());
      SSLSocket socket =
          (SSLSocket) tls.getSocketFactory().createSocket(raw, url.getHost(), raw.getPort(), true);
      socket.setUseClientMode(true);
      stallGuard.during(
          socket,
          () -> {
            socket.startHandshake(); // waits for the server: watched like any blocked call
            return null;
          });
      return new Connection(socket.getInputStream(), socket.getOutputStream(), socket);
    } catch (IOException | RuntimeException e) {
      raw.close();
      throw e;
    }
  }

  private Connection connectUnix() throws IOException {
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      channel.connect(UnixDomainSocketAddress.of(url.getPath()));
      return new Connection(
          Channels.newInputStream(channel), Channels.newOutputStream(channel), channel);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private String host() {
    return url.getAuthority() != null ? url.getAuthority() : "incus";
  }

  private static void send(OutputStream out, String head) throws IOException {
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** The status line and headers, up to the blank line; the body is left unread. */
  private static Answer readHead(InputStream in) throws IOException {
    var lines = new java.util.ArrayList<String>();
    var line = new ByteArrayOutputStream();
    int total = 0;
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("Incus closed the connection before answering");
      }
      if (++total > MAX_HEAD_BYTES) {
        throw new IOException("Incus sent an HTTP head over " + MAX_HEAD_BYTES + " bytes");
      }
      if (b == '\n') {
        String text = line.toString(StandardCharsets.ISO_8859_1).stripTrailing();
        line.reset();
        if (text.isEmpty()) {
          break;
        }
        lines.add(text);
      } else {
        line.write(b);
      }
    }
    if (lines.isEmpty() || !lines.get(0).startsWith("HTTP/")) {
      throw new IOException("Incus answered without an HTTP status line");
    }
    String[] statusLine = lines.get(0).split(" ", 3);
    int status;
    try {
      status = Integer.parseInt(statusLine[1]);
    } catch (RuntimeException e) {
      throw new IOException("Incus answered a malformed status line: " + lines.get(0), e);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (String header : lines.subList(1, lines.size())) {
      int colon = header.indexOf(':');
      if (colon > 0) {
        headers.put(
            header.substring(0, colon).trim().toLowerCase(Locale.ROOT),
            header.substring(colon + 1).trim());
      }
    }
    return new Answer(status, headers, new byte[0]);
  }

  /** A body by Content-Length, else to the end of the stream; a chunked body's first chunk. */
  private static byte[] readBody(InputStream in, Map<String, String> headers) throws IOException {
    String length = headers.get("content-length");
    if (length != null) {
      long n = Long.parseLong(length.trim());
      return in.readNBytes((int) Math.min(n, MAX_BODY_BYTES));
    }
    if ("chunked".equalsIgnoreCase(headers.getOrDefault("transfer-encoding", ""))) {
      // Only error answers are read this way on HTTP/1.1: small, one chunk.
      var size = new ByteArrayOutputStream();
      for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
        size.write(b);
      }
      String hex = size.toString(StandardCharsets.US_ASCII).trim();
      int n = hex.isEmpty() ? 0 : Integer.parseInt(hex.split(";")[0], 16);
      return in.readNBytes(Math.min(n, MAX_BODY_BYTES));
    }
    return in.readNBytes(MAX_BODY_BYTES);
  }
}
