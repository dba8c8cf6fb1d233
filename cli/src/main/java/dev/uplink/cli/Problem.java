package dev.uplink.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Why a request was refused, as the server said it: an RFC 9457 problem from the API, an S3 error
 * document from a presigned URL, or just the status line.
 *
 * @param status the HTTP status
 * @param title a short summary (the problem's {@code title}, S3's error {@code Code}, or the
 *     status's reason phrase)
 * @param detail the explanation, if the server gave one
 * @param retryAfter the {@code Retry-After} header, if any
 */
record Problem(int status, String title, Optional<String> detail, Optional<String> retryAfter) {

  private static final int MAX_TEXT = 300;
  private static final Pattern S3_CODE = Pattern.compile("<Code>([^<]{1,200})</Code>");
  private static final Pattern S3_MESSAGE = Pattern.compile("<Message>([^<]{1,500})</Message>");

  /** What {@code body} (of any content type) says about a refused request. */
  static Problem of(int status, String body, Optional<String> retryAfter) {
    Optional<JsonNode> json = Json.parse(body).filter(JsonNode::isObject);
    if (json.isPresent() && json.get().hasNonNull("title")) {
      return new Problem(
          status,
          oneLine(json.get().get("title").asText()),
          Json.text(json.get(), "detail").map(Problem::oneLine),
          retryAfter);
    }
    if (body != null) {
      Matcher code = S3_CODE.matcher(body);
      if (code.find()) {
        Matcher message = S3_MESSAGE.matcher(body);
        return new Problem(
            status,
            oneLine(code.group(1)),
            message.find() ? Optional.of(oneLine(message.group(1))) : Optional.empty(),
            retryAfter);
      }
    }
    return new Problem(status, reasonPhrase(status), Optional.empty(), retryAfter);
  }

  /** {@code Title: detail (HTTP 409)}, with the retry hint when there is one. */
  String describe() {
    var text = new StringBuilder(title);
    detail.filter(d -> !d.equalsIgnoreCase(title)).ifPresent(d -> text.append(": ").append(d));
    text.append(" (HTTP ").append(status).append(')');
    retryAfter.ifPresent(s -> text.append("; retry after ").append(s).append(" s"));
    return text.toString();
  }

  /** {@code text} on one line and of bounded length: server text goes into a one-line error. */
  static String oneLine(String text) {
    String line = text.replaceAll("[\\r\\n\\t]+", " ").strip();
    return line.length() > MAX_TEXT ? line.substring(0, MAX_TEXT - 3) + "..." : line;
  }

  private static String reasonPhrase(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 409 -> "Conflict";
      case 413 -> "Content Too Large";
      case 415 -> "Unsupported Media Type";
      case 422 -> "Unprocessable Content";
      case 429 -> "Too Many Requests";
      case 500 -> "Internal Server Error";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      default -> "HTTP error";
    };
  }
}
