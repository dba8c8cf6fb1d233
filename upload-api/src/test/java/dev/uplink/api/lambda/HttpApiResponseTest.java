package dev.uplink.api.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.Test;

/** How a raw HTTP/1.1 response becomes the payload format 2.0 response API Gateway reads. */
class HttpApiResponseTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void repeatedHeadersAreJoinedAndSetCookiesBecomeTheCookiesArray() {
    JsonNode response =
        convert(
            """
            HTTP/1.1 200 OK\r
            Content-Type: application/json\r
            Vary: Accept\r
            vary: Authorization\r
            Set-Cookie: a=1; Path=/\r
            Set-Cookie: b=2, with a comma; HttpOnly\r
            Content-Length: 2\r
            Connection: close\r
            \r
            {}""");

    assertThat(response.path("statusCode").asInt()).isEqualTo(200);
    assertThat(response.path("headers").path("Vary").asText()).isEqualTo("Accept, Authorization");
    assertThat(response.path("cookies"))
        .extracting(JsonNode::asText)
        .containsExactly("a=1; Path=/", "b=2, with a comma; HttpOnly");
    assertThat(response.path("headers").has("Set-Cookie")).as("Set-Cookie header").isFalse();
    assertThat(response.path("headers").has("Connection")).as("Connection").isFalse();
    assertThat(response.path("headers").has("Content-Length")).as("Content-Length").isFalse();
  }

  @Test
  void jsonAndProblemJsonBodiesTravelAsText() {
    JsonNode json =
        convert(response("application/json", "{\"id\":\"ü\"}".getBytes(StandardCharsets.UTF_8)));
    JsonNode problem =
        convert(
            response(
                "application/problem+json", "{\"status\":404}".getBytes(StandardCharsets.UTF_8)));

    assertThat(json.path("isBase64Encoded").asBoolean()).isFalse();
    assertThat(json.path("body").asText()).isEqualTo("{\"id\":\"ü\"}");
    assertThat(problem.path("isBase64Encoded").asBoolean()).isFalse();
    assertThat(problem.path("body").asText()).isEqualTo("{\"status\":404}");
  }

  @Test
  void aBinaryBodyTravelsAsBase64ByteForByte() {
    byte[] content = new byte[256];
    for (int i = 0; i < content.length; i++) {
      content[i] = (byte) i;
    }

    JsonNode response = convert(response("application/octet-stream", content));

    assertThat(response.path("isBase64Encoded").asBoolean()).isTrue();
    assertThat(Base64.getDecoder().decode(response.path("body").asText())).isEqualTo(content);
  }

  @Test
  void textInAnotherCharsetOrNotValidUtf8TravelsAsBase64() {
    byte[] latin1 = "café".getBytes(StandardCharsets.ISO_8859_1);

    JsonNode declared = convert(response("text/plain; charset=ISO-8859-1", latin1));
    JsonNode undeclared = convert(response("text/plain", latin1));

    assertThat(declared.path("isBase64Encoded").asBoolean()).as("declared Latin-1").isTrue();
    assertThat(Base64.getDecoder().decode(declared.path("body").asText())).isEqualTo(latin1);
    assertThat(undeclared.path("isBase64Encoded").asBoolean()).as("invalid UTF-8").isTrue();
  }

  @Test
  void aChunkedResponseIsDechunked() {
    JsonNode response =
        convert(
            """
            HTTP/1.1 202 Accepted\r
            Content-Type: application/json\r
            Transfer-Encoding: chunked\r
            \r
            5\r
            {"a":\r
            3\r
            "b"\r
            1\r
            }\r
            0\r
            \r
            """);

    assertThat(response.path("statusCode").asInt()).isEqualTo(202);
    assertThat(response.path("body").asText()).isEqualTo("{\"a\":\"b\"}");
    assertThat(response.path("headers").has("Transfer-Encoding")).isFalse();
  }

  @Test
  void anEmptyBodyIsEmptyText() {
    JsonNode response = convert("HTTP/1.1 204 No Content\r\n\r\n");

    assertThat(response.path("statusCode").asInt()).isEqualTo(204);
    assertThat(response.path("body").asText()).isEmpty();
    assertThat(response.path("isBase64Encoded").asBoolean()).isFalse();
  }

  @Test
  void anAdaptersOwnProblemIsShapedLikeTheApis() {
    JsonNode response = HttpApiResponse.problem(400, "bad header").toJson(JSON);

    assertThat(response.path("statusCode").asInt()).isEqualTo(400);
    assertThat(response.path("headers").path("Content-Type").asText())
        .isEqualTo("application/problem+json");
    JsonNode problem = readTree(response.path("body").asText());
    assertThat(problem.path("type").asText()).isEqualTo("about:blank");
    assertThat(problem.path("title").asText()).isEqualTo("Bad Request");
    assertThat(problem.path("status").asInt()).isEqualTo(400);
    assertThat(problem.path("detail").asText()).isEqualTo("bad header");
  }

  private static byte[] response(String contentType, byte[] body) {
    var raw = new ByteArrayOutputStream();
    raw.writeBytes(
        ("HTTP/1.1 200 OK\r\nContent-Type: "
                + contentType
                + "\r\nContent-Length: "
                + body.length
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    raw.writeBytes(body);
    return raw.toByteArray();
  }

  private static JsonNode convert(String raw) {
    return convert(raw.getBytes(StandardCharsets.UTF_8));
  }

  private static JsonNode convert(byte[] raw) {
    HttpTester.Response parsed = HttpTester.parseResponse(ByteBuffer.wrap(raw));
    assertThat(parsed).as("a complete response").isNotNull();
    return HttpApiResponse.of(parsed).toJson(JSON);
  }

  private static JsonNode readTree(String json) {
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      throw new AssertionError(json, e);
    }
  }
}
