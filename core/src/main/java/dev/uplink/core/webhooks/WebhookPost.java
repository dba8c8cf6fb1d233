package dev.uplink.core.webhooks;

import dev.uplink.core.domain.webhooks.WebhookUrlPolicy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One HTTP/1.1 POST to a webhook receiver, on a socket of its own: the host is resolved here, each
 * address checked by the {@link WebhookUrlPolicy}, and the connection made to that checked address
 * (an HTTP client would resolve the name again, and a name can point elsewhere the second time).
 * TLS verifies the certificate against the URL's host name. Redirects are never followed (a 3xx is
 * a failed attempt), connecting and answering each have a small timeout, and only the status line
 * of the answer is read.
 */
public final class WebhookPost {

  /** How long a receiver has to accept the connection (and TLS handshake). */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /** How long a receiver has to answer once it has the request. */
  public static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

  private static final int MAX_STATUS_LINE = 8192;

  private final WebhookUrlPolicy policy;
  private final Duration connectTimeout;
  private final Duration readTimeout;

  public WebhookPost(WebhookUrlPolicy policy, Duration connectTimeout, Duration readTimeout) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
    this.readTimeout = Objects.requireNonNull(readTimeout, "readTimeout");
  }

  /**
   * Posts {@code body} (JSON) to {@code url} with {@code headers}.
   *
   * @return the receiver's HTTP status
   * @throws dev.uplink.core.domain.webhooks.WebhookUrlRejectedException if the URL's addresses are
   *     refused
   * @throws IOException if no address accepts the connection, TLS fails, or no answer comes in time
   */
  public int post(URI url, Map<String, String> headers, byte[] body) throws IOException {
    List<InetAddress> addresses = policy.addressesOf(url);
    boolean https = "https".equalsIgnoreCase(url.getScheme());
    int port = url.getPort() != -1 ? url.getPort() : https ? 443 : 80;
    IOException last = null;
    for (InetAddress address : addresses) {
      Socket socket = new Socket();
      try {
        socket.connect(new InetSocketAddress(address, port), (int) connectTimeout.toMillis());
      } catch (IOException e) {
        socket.close();
        last = e;
        continue;
      }
      try (Socket connected = https ? tls(socket, url.getHost(), port) : socket) {
        // The address actually connected to, checked once more.
        policy.checkAddress(url.getScheme(), connected.getInetAddress());
        connected.setSoTimeout((int) readTimeout.toMillis());
        send(connected.getOutputStream(), url, port, headers, body);
        return statusOf(connected.getInputStream(), System.nanoTime() + readTimeout.toNanos());
      }
    }
    throw last != null ? last : new IOException("no address for " + url.getHost());
  }

  private Socket tls(Socket socket, String host, int port) throws IOException {
    try {
      SSLSocket tls =
          (SSLSocket)
              SSLContext.getDefault().getSocketFactory().createSocket(socket, host, port, true);
      SSLParameters parameters = tls.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      boolean literal = host.startsWith("[") || host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
      if (!literal) { // SNI names a host, never an address
        parameters.setServerNames(List.of(new SNIHostName(host)));
      }
      tls.setSSLParameters(parameters);
      tls.setSoTimeout((int) readTimeout.toMillis());
      tls.startHandshake();
      return tls;
    } catch (NoSuchAlgorithmException e) {
      socket.close();
      throw new IOException("no default TLS context", e);
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  private static void send(
      OutputStream out, URI url, int port, Map<String, String> headers, byte[] body)
      throws IOException {
    String target = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
    if (url.getRawQuery() != null) {
      target += "?" + url.getRawQuery();
    }
    boolean defaultPort = url.getPort() == -1;
    var head = new StringBuilder();
    head.append("POST ").append(target).append(" HTTP/1.1\r\n");
    head.append("Host: ").append(url.getHost()).append(defaultPort ? "" : ":" + port);
    head.append("\r\nUser-Agent: Uplink-Webhooks/1\r\n");
    head.append("Content-Type: application/json\r\n");
    head.append("Content-Length: ").append(body.length).append("\r\n");
    head.append("Connection: close\r\n");
    headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
    head.append("\r\n");
    out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
  }

  /** The status code of the answer's first line ({@code HTTP/1.1 204 No Content}). */
  private static int statusOf(InputStream in, long deadline) throws IOException {
    var line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1 && b != '\n') {
      if (System.nanoTime() > deadline) {
        throw new SocketTimeoutException("the receiver answered too slowly");
      }
      if (line.size() >= MAX_STATUS_LINE) {
        throw new IOException("the receiver's status line is too long");
      }
      line.write(b);
    }
    String[] parts = line.toString(StandardCharsets.US_ASCII).trim().split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/") || !parts[1].matches("\\d{3}")) {
      throw new IOException("the receiver did not answer HTTP");
    }
    return Integer.parseInt(parts[1]);
  }
}
