package dev.uplink.api.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.net.ssl.SSLSession;

/**
 * A request written on a plain {@link Socket}, for what {@link java.net.http.HttpClient} cannot
 * send: a body that stops half-way and stays open. The server's answer is read while the body is
 * still unfinished and returned as an {@link HttpResponse}, so it can be checked like any other.
 */
final class RawExchange {

  private RawExchange() {}

  /**
   * Sends {@code head} (request line and headers, CRLF-separated, without the blank line) and
   * {@code body}, then nothing more, and reads the answer (within {@code timeoutMillis}).
   */
  static HttpResponse<byte[]> sendAndStall(
      int port, String method, String target, String head, byte[] body, int timeoutMillis)
      throws IOException {
    try (var socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(timeoutMillis);
      var out = socket.getOutputStream();
      out.write((head + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      return read(socket.getInputStream(), URI.create("http://127.0.0.1:" + port + target), method);
    }
  }

  private static HttpResponse<byte[]> read(InputStream in, URI uri, String method)
      throws IOException {
    String statusLine = line(in);
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (String line = line(in); !line.isEmpty(); line = line(in)) {
      int colon = line.indexOf(':');
      headers
          .computeIfAbsent(line.substring(0, colon).strip(), name -> new ArrayList<>())
          .add(line.substring(colon + 1).strip());
    }
    int length = Integer.parseInt(headers.getOrDefault("Content-Length", List.of("0")).get(0));
    byte[] body = in.readNBytes(length);
    var request = HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody());
    return new Response(status, request.build(), HttpHeaders.of(headers, (a, b) -> true), body);
  }

  private static String line(InputStream in) throws IOException {
    var line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("the connection closed in the middle of the answer's head");
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.US_ASCII);
  }

  private record Response(int statusCode, HttpRequest request, HttpHeaders headers, byte[] body)
      implements HttpResponse<byte[]> {

    @Override
    public Optional<HttpResponse<byte[]>> previousResponse() {
      return Optional.empty();
    }

    @Override
    public Optional<SSLSession> sslSession() {
      return Optional.empty();
    }

    @Override
    public URI uri() {
      return request.uri();
    }

    @Override
    public HttpClient.Version version() {
      return HttpClient.Version.HTTP_1_1;
    }

    @Override
    public String toString() {
      return "%s %s %d".formatted(request.method(), uri(), statusCode).toLowerCase(Locale.ROOT);
    }
  }
}
