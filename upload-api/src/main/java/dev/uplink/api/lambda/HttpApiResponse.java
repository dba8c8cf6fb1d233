package dev.uplink.api.lambda;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.uplink.api.http.UploadApi;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpTester;

/**
 * The response API Gateway expects from a payload format 2.0 integration.
 *
 * @param statusCode the HTTP status
 * @param headers one value per name: repeated headers joined with {@code ", "}
 * @param cookies every {@code Set-Cookie} value, which cannot be joined
 * @param body the body as text, or base64 when {@code base64Encoded}
 * @param base64Encoded whether {@code body} is base64 (any body that is not known to be text)
 */
record HttpApiResponse(
    int statusCode,
    Map<String, String> headers,
    List<String> cookies,
    String body,
    boolean base64Encoded) {

  /**
   * Headers about the connection between the in-memory connector and this adapter; API Gateway
   * frames the response to its client itself (and sets {@code Content-Length} from the body).
   */
  private static final Set<String> NOT_RETURNED =
      Set.of("connection", "keep-alive", "transfer-encoding", "content-length");

  HttpApiResponse {
    headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    cookies = List.copyOf(cookies);
  }

  /** What the application answered, as API Gateway expects it. */
  static HttpApiResponse of(HttpTester.Response response) {
    var headers = new LinkedHashMap<String, String>();
    var lowerCaseNames = new LinkedHashMap<String, String>();
    var cookies = new ArrayList<String>();
    for (HttpField field : response) {
      String name = field.getName();
      String key = name.toLowerCase(Locale.ROOT);
      if (key.equals("set-cookie")) {
        cookies.add(field.getValue());
      } else if (!NOT_RETURNED.contains(key)) {
        String first = lowerCaseNames.putIfAbsent(key, name);
        headers.merge(first == null ? name : first, field.getValue(), (a, b) -> a + ", " + b);
      }
    }
    byte[] content = response.getContentBytes();
    String contentType = response.get("Content-Type");
    return withBody(
        response.getStatus(),
        headers,
        cookies,
        content == null ? new byte[0] : content,
        contentType);
  }

  /** An {@code application/problem+json} answer made by this adapter, shaped like the API's own. */
  static HttpApiResponse problem(int status, String detail) {
    return withBody(
        status,
        Map.of("Content-Type", UploadApi.PROBLEM_MEDIA_TYPE),
        List.of(),
        UploadApi.problem(status, detail),
        UploadApi.PROBLEM_MEDIA_TYPE);
  }

  /** The JSON document Lambda returns to API Gateway. */
  ObjectNode toJson(ObjectMapper json) {
    ObjectNode node = json.createObjectNode();
    node.put("statusCode", statusCode);
    ObjectNode headerNode = node.putObject("headers");
    headers.forEach(headerNode::put);
    if (!cookies.isEmpty()) {
      cookies.forEach(node.putArray("cookies")::add);
    }
    node.put("body", body);
    node.put("isBase64Encoded", base64Encoded);
    return node;
  }

  private static HttpApiResponse withBody(
      int status,
      Map<String, String> headers,
      List<String> cookies,
      byte[] content,
      String contentType) {
    Optional<String> text = asText(content, contentType);
    return text.map(t -> new HttpApiResponse(status, headers, cookies, t, false))
        .orElseGet(
            () ->
                new HttpApiResponse(
                    status, headers, cookies, Base64.getEncoder().encodeToString(content), true));
  }

  /**
   * The body as text when its content type says it is text in UTF-8 (stated, or implied as for
   * JSON) and it decodes cleanly; empty when it must travel as base64. API Gateway sends a text
   * body to its client as UTF-8, so text in any other charset would arrive altered.
   */
  static Optional<String> asText(byte[] content, String contentType) {
    if (content.length == 0) {
      return Optional.of("");
    }
    if (contentType == null || !isTextual(mediaType(contentType)) || !isUtf8(contentType)) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(content))
              .toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }

  private static boolean isTextual(String mediaType) {
    return mediaType.startsWith("text/")
        || mediaType.equals("application/json")
        || mediaType.endsWith("+json")
        || mediaType.equals("application/xml")
        || mediaType.endsWith("+xml")
        || mediaType.equals("application/javascript")
        || mediaType.equals("application/x-www-form-urlencoded");
  }

  private static String mediaType(String contentType) {
    int semicolon = contentType.indexOf(';');
    return (semicolon < 0 ? contentType : contentType.substring(0, semicolon))
        .trim()
        .toLowerCase(Locale.ROOT);
  }

  /** No {@code charset} parameter (UTF-8 is JSON's only encoding, RFC 8259), or UTF-8/ASCII. */
  private static boolean isUtf8(String contentType) {
    for (String parameter : contentType.split(";")) {
      String[] pair = parameter.trim().split("=", 2);
      if (pair.length == 2 && pair[0].trim().equalsIgnoreCase("charset")) {
        String charset = pair[1].trim().replace("\"", "").toUpperCase(Locale.ROOT);
        return charset.equals("UTF-8") || charset.equals("UTF8") || charset.equals("US-ASCII");
      }
    }
    return true;
  }
}
