package dev.uplink.api.lambda;

import dev.uplink.api.http.UploadApi;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An API Gateway request as the HTTP/1.1 bytes a client would have sent: request line, {@code
 * Host}, the event's headers, {@code Cookie}, {@code Content-Length}, {@code Connection: close},
 * body.
 *
 * @param bytes the whole request
 * @param head whether it is a {@code HEAD} request (its response has headers but no body)
 */
record RawRequest(byte[] bytes, boolean head) {

  /**
   * Headers that describe the connection or the framing between API Gateway and the client, not the
   * request: the request written here has its own framing ({@code Content-Length} of the decoded
   * body, one request per connection). {@code Expect} is dropped because the body is already
   * complete, and a {@code 100 Continue} would come before the real response.
   */
  private static final Set<String> NOT_FORWARDED =
      Set.of(
          "host",
          "content-length",
          "transfer-encoding",
          "connection",
          "keep-alive",
          "proxy-connection",
          "te",
          "trailer",
          "upgrade",
          "expect",
          "http2-settings",
          // Only this adapter may say which invocation a request belongs to.
          UploadApi.INVOCATION_ID_HEADER.toLowerCase(Locale.ROOT),
          UploadApi.INVOCATION_COLD_START_HEADER.toLowerCase(Locale.ROOT));

  private static final Set<String> METHODS_WITH_BODY = Set.of("POST", "PUT", "PATCH");

  /**
   * Writes {@code event} as one HTTP/1.1 request.
   *
   * @throws EventRejectedException (400) for a method or header name that is not an HTTP token, a
   *     header value with a control character (CR or LF would split the request), or a body that is
   *     not valid base64
   */
  static RawRequest of(HttpApiEvent event) {
    return of(event, Map.of());
  }

  /**
   * Writes {@code event} as one HTTP/1.1 request with the adapter's own {@code trusted} headers
   * (the invocation's), which a client's headers of the same names never reach.
   */
  static RawRequest of(HttpApiEvent event, Map<String, String> trusted) {
    String method = event.method();
    if (!isToken(method)) {
      throw EventRejectedException.badRequest("The request method is not a valid HTTP token");
    }
    byte[] body = event.bodyBytes();
    var out = new ByteArrayOutputStream(256 + body.length);
    write(out, method + " " + target(event) + " HTTP/1.1\r\n");
    header(out, "Host", host(event));
    for (Map.Entry<String, String> field : event.headers().entrySet()) {
      String name = field.getKey();
      if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))
          && !name.equalsIgnoreCase("cookie")) {
        header(out, name, field.getValue());
      }
    }
    trusted.forEach((name, value) -> header(out, name, value));
    String cookie = cookie(event);
    if (!cookie.isEmpty()) {
      header(out, "Cookie", cookie);
    }
    if (body.length > 0 || METHODS_WITH_BODY.contains(method.toUpperCase(Locale.ROOT))) {
      header(out, "Content-Length", Integer.toString(body.length));
    }
    header(out, "Connection", "close");
    write(out, "\r\n");
    out.writeBytes(body);
    return new RawRequest(out.toByteArray(), method.equalsIgnoreCase("HEAD"));
  }

  /**
   * The request target: the raw path and query, with anything a request line cannot hold escaped.
   */
  static String target(HttpApiEvent event) {
    String path = event.rawPath().startsWith("/") ? event.rawPath() : "/" + event.rawPath();
    String query = event.rawQueryString();
    return escape(query.isEmpty() ? path : path + "?" + query);
  }

  private static String host(HttpApiEvent event) {
    for (Map.Entry<String, String> field : event.headers().entrySet()) {
      if (field.getKey().equalsIgnoreCase("host") && !field.getValue().isBlank()) {
        return field.getValue();
      }
    }
    return event.domainName().isBlank() ? "localhost" : event.domainName();
  }

  /**
   * API Gateway (format 2.0) moves the {@code Cookie} header's pairs into the {@code cookies}
   * array; a {@code cookie} header, should one still come, goes first.
   */
  private static String cookie(HttpApiEvent event) {
    var pairs = new ArrayList<String>();
    event
        .headers()
        .forEach(
            (name, value) -> {
              if (name.equalsIgnoreCase("cookie") && !value.isBlank()) {
                pairs.add(value);
              }
            });
    pairs.addAll(event.cookies());
    return String.join("; ", pairs);
  }

  private static void header(ByteArrayOutputStream out, String name, String value) {
    if (!isToken(name)) {
      throw EventRejectedException.badRequest("A header name is not a valid HTTP token");
    }
    if (!isFieldValue(value)) {
      throw EventRejectedException.badRequest(
          "The value of header " + name + " contains a control character");
    }
    write(out, name + ": " + value + "\r\n");
  }

  /** RFC 9110 token: at least one of ALPHA, DIGIT and {@code !#$%&'*+-.^_`|~}. */
  static boolean isToken(String text) {
    if (text.isEmpty()) {
      return false;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean alphanumeric =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alphanumeric && "!#$%&'*+-.^_`|~".indexOf(c) < 0) {
        return false;
      }
    }
    return true;
  }

  /** RFC 9110 field value: no control characters but horizontal tab (so never CR, LF or NUL). */
  static boolean isFieldValue(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return false;
      }
    }
    return true;
  }

  /**
   * Percent-encodes (as UTF-8) every character that is not visible ASCII, and {@code #}, so a space
   * or a line break in the path or query can never end the request line nor a fragment cut it
   * short; anything already escaped stays as it is.
   */
  private static String escape(String target) {
    var escaped = new StringBuilder(target.length());
    for (byte b : target.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c > 0x20 && c < 0x7f && c != '#') {
        escaped.append((char) c);
      } else {
        escaped.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        escaped.append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return escaped.toString();
  }

  private static void write(ByteArrayOutputStream out, String text) {
    out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
  }
}
