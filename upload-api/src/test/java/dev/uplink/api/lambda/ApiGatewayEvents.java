package dev.uplink.api.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * API Gateway HTTP API events (payload format 2.0) as Lambda delivers them, built from a request
 * the way API Gateway builds them: header names lower-cased and repeated headers joined with
 * commas, the {@code Cookie} header moved into {@code cookies}, the query both raw and parsed, a
 * full {@code requestContext}, and the body base64-encoded unless it is text.
 */
public final class ApiGatewayEvents {

  public static final String DOMAIN = "r3pmxmplak.execute-api.us-east-1.amazonaws.com";
  private static final ObjectMapper JSON = new ObjectMapper();

  private ApiGatewayEvents() {}

  /**
   * The event's JSON text for one request.
   *
   * @param pathAndQuery as on the wire, e.g. {@code /v1/uploads?path=%2Ftmp%2Fa}
   * @param body empty for none
   */
  public static String event(
      String method, String pathAndQuery, Map<String, String> headers, byte[] body) {
    int question = pathAndQuery.indexOf('?');
    String rawPath = question < 0 ? pathAndQuery : pathAndQuery.substring(0, question);
    String rawQuery = question < 0 ? "" : pathAndQuery.substring(question + 1);

    ObjectNode event = JSON.createObjectNode();
    event.put("version", "2.0");
    event.put("routeKey", "$default");
    event.put("rawPath", rawPath);
    event.put("rawQueryString", rawQuery);

    var fields = new LinkedHashMap<String, String>();
    fields.put("host", DOMAIN);
    fields.put("user-agent", "curl/8.5.0");
    fields.put("x-amzn-trace-id", "Root=1-67891233-abcdef012345678912345678");
    fields.put("x-forwarded-for", "198.51.100.23");
    fields.put("x-forwarded-port", "443");
    fields.put("x-forwarded-proto", "https");
    if (body.length > 0) {
      fields.put("content-length", Integer.toString(body.length));
    }
    String cookieHeader = null;
    for (Map.Entry<String, String> header : headers.entrySet()) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (name.equals("cookie")) {
        cookieHeader = header.getValue();
      } else {
        fields.merge(name, header.getValue(), (a, b) -> a + "," + b);
      }
    }
    if (cookieHeader != null) {
      var cookies = event.putArray("cookies");
      for (String pair : cookieHeader.split(";")) {
        cookies.add(pair.trim());
      }
    }
    ObjectNode headerNode = event.putObject("headers");
    fields.forEach(headerNode::put);

    if (!rawQuery.isEmpty()) {
      ObjectNode parameters = event.putObject("queryStringParameters");
      for (String pair : rawQuery.split("&")) {
        String[] nameValue = pair.split("=", 2);
        String name = URLDecoder.decode(nameValue[0], StandardCharsets.UTF_8);
        String value =
            nameValue.length < 2 ? "" : URLDecoder.decode(nameValue[1], StandardCharsets.UTF_8);
        JsonNode previous = parameters.get(name);
        parameters.put(name, previous == null ? value : previous.asText() + "," + value);
      }
    }

    ObjectNode context = event.putObject("requestContext");
    context.put("accountId", "123456789012");
    context.put("apiId", "r3pmxmplak");
    context.put("domainName", DOMAIN);
    context.put("domainPrefix", "r3pmxmplak");
    ObjectNode http = context.putObject("http");
    http.put("method", method);
    http.put("path", URLDecoder.decode(rawPath.replace("+", "%2B"), StandardCharsets.UTF_8));
    http.put("protocol", "HTTP/1.1");
    http.put("sourceIp", "198.51.100.23");
    http.put("userAgent", fields.get("user-agent"));
    context.put("requestId", "JKJaXmPLvHcESHA=");
    context.put("routeKey", "$default");
    context.put("stage", "$default");
    context.put("time", "22/Nov/2026:06:30:00 +0000");
    context.put("timeEpoch", 1795329000000L);

    String contentType = fields.getOrDefault("content-type", "");
    if (body.length > 0) {
      boolean text = isText(contentType);
      event.put(
          "body",
          text
              ? new String(body, StandardCharsets.UTF_8)
              : Base64.getEncoder().encodeToString(body));
      event.put("isBase64Encoded", !text);
    } else {
      event.put("isBase64Encoded", false);
    }
    return event.toString();
  }

  /** The media types API Gateway passes as text; everything else arrives base64-encoded. */
  private static boolean isText(String contentType) {
    String type = contentType.toLowerCase(Locale.ROOT);
    return type.startsWith("text/")
        || type.startsWith("application/json")
        || type.startsWith("application/xml");
  }
}
