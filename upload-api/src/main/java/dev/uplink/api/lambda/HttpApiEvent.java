package dev.uplink.api.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The parts of an API Gateway HTTP API event (payload format 2.0) that make up the HTTP request.
 *
 * @param method the request method, from {@code requestContext.http.method}
 * @param rawPath the path as the client sent it (still percent-encoded)
 * @param rawQueryString the query without {@code ?}, empty when there is none
 * @param cookies the {@code Cookie} header's pairs: API Gateway moves them out of {@code headers}
 * @param headers lower-case names; repeated headers arrive joined with commas
 * @param body the body as the event carries it: text, or base64 when {@code base64Encoded}
 * @param base64Encoded whether {@code body} is base64 ({@code isBase64Encoded})
 * @param domainName {@code requestContext.domainName}, the host when no {@code host} header came
 */
record HttpApiEvent(
    String method,
    String rawPath,
    String rawQueryString,
    List<String> cookies,
    Map<String, String> headers,
    String body,
    boolean base64Encoded,
    String domainName) {

  static final String PAYLOAD_VERSION = "2.0";

  HttpApiEvent {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(rawPath, "rawPath");
    Objects.requireNonNull(rawQueryString, "rawQueryString");
    cookies = List.copyOf(cookies);
    headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
  }

  /**
   * Reads an event as Lambda delivers it.
   *
   * @throws EventRejectedException (500) when it is not a payload format 2.0 event: the API is
   *     integrated wrongly, which no client can fix
   */
  static HttpApiEvent of(JsonNode event) {
    if (event == null || !event.isObject()) {
      throw EventRejectedException.misintegrated("the event is not a JSON object");
    }
    String version = event.path("version").asText("");
    if (!PAYLOAD_VERSION.equals(version)) {
      throw EventRejectedException.misintegrated(
          "expected an API Gateway HTTP API event with payload format version 2.0, got version '"
              + version
              + "'");
    }
    JsonNode context = event.path("requestContext");
    String method = context.path("http").path("method").asText("");
    String rawPath = event.path("rawPath").asText("");
    if (method.isEmpty() || rawPath.isEmpty()) {
      throw EventRejectedException.misintegrated(
          "the event has no requestContext.http.method or rawPath");
    }
    return new HttpApiEvent(
        method,
        rawPath,
        event.path("rawQueryString").asText(""),
        texts(event.path("cookies")),
        fields(event.path("headers")),
        event.path("body").isTextual() ? event.path("body").asText() : null,
        event.path("isBase64Encoded").asBoolean(false),
        context.path("domainName").asText(""));
  }

  /**
   * The body's bytes: base64-decoded when the event says so, else the text as UTF-8 (API Gateway
   * passes text bodies as they came, and encodes the rest).
   */
  byte[] bodyBytes() {
    if (body == null) {
      return new byte[0];
    }
    if (!base64Encoded) {
      return body.getBytes(StandardCharsets.UTF_8);
    }
    try {
      return Base64.getDecoder().decode(body);
    } catch (IllegalArgumentException e) {
      throw EventRejectedException.badRequest("The body is not valid base64");
    }
  }

  private static List<String> texts(JsonNode array) {
    var texts = new ArrayList<String>();
    array.forEach(item -> texts.add(item.asText()));
    return texts;
  }

  private static Map<String, String> fields(JsonNode object) {
    var fields = new LinkedHashMap<String, String>();
    object.properties().forEach(field -> fields.put(field.getKey(), field.getValue().asText()));
    return fields;
  }
}
