package dev.uplink.api.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.eclipse.jetty.http.HttpTester;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** How an API Gateway event (payload format 2.0) becomes the HTTP/1.1 request Jetty parses. */
class RawRequestTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Nested
  class RequestLine {

    @Test
    void theRawQueryStringFollowsTheRawPathUnchanged() throws Exception {
      var request =
          translate(
              event(
                  "POST",
                  "/v1/uploads",
                  "container=web&path=%2Fsrv%2Fa%20b.txt&mode=0644&tag=1&tag=2",
                  "{}",
                  null,
                  false));

      assertThat(request.getMethod()).isEqualTo("POST");
      assertThat(request.getURI())
          .as("request target")
          .isEqualTo("/v1/uploads?container=web&path=%2Fsrv%2Fa%20b.txt&mode=0644&tag=1&tag=2");
    }

    @Test
    void anEmptyQueryLeavesNoQuestionMark() throws Exception {
      var request = translate(event("GET", "/v1/uploads/01ABC", "", "{}", null, false));

      assertThat(request.getURI()).isEqualTo("/v1/uploads/01ABC");
    }

    @Test
    void charactersARequestLineCannotHoldArePercentEncoded() throws Exception {
      var request = translate(event("GET", "/v1/a b/é#x", "q=x y", "{}", null, false));

      assertThat(request.getURI()).isEqualTo("/v1/a%20b/%C3%A9%23x?q=x%20y");
    }

    @Test
    void anInvalidMethodIsRejectedWith400() {
      assertRejected(event("GET /x HTTP/1.1\r\nX:", "/v1", "", "{}", null, false), 400);
    }
  }

  @Nested
  class Headers {

    @Test
    void commaJoinedValuesOfRepeatedHeadersArePassedAsOneField() throws Exception {
      var request =
          translate(
              event(
                  "GET",
                  "/v1/uploads",
                  "",
                  """
                  {"accept": "application/json,application/problem+json",
                   "x-forwarded-for": "198.51.100.23, 10.0.0.1",
                   "authorization": "Bearer key-alice"}""",
                  null,
                  false));

      assertThat(request.getValuesList("Accept"))
          .containsExactly("application/json,application/problem+json");
      assertThat(request.get("X-Forwarded-For")).isEqualTo("198.51.100.23, 10.0.0.1");
      assertThat(request.get("Authorization")).isEqualTo("Bearer key-alice");
    }

    @Test
    void theHostComesFromTheHostHeader() throws Exception {
      String request =
          rawText(event("GET", "/v1", "", "{\"host\": \"api.uplink.example\"}", null, false));

      assertThat(hostLines(request)).containsExactly("Host: api.uplink.example");
    }

    @Test
    void withoutAHostHeaderTheDomainNameIsTheHost() throws Exception {
      String request = rawText(event("GET", "/v1", "", "{}", null, false));

      assertThat(hostLines(request))
          .containsExactly("Host: abc.execute-api.us-east-1.amazonaws.com");
    }

    @Test
    void theCookiesArrayBecomesOneCookieHeader() throws Exception {
      String event =
          """
          {"version": "2.0", "rawPath": "/v1", "rawQueryString": "",
           "cookies": ["session=abc", "theme=dark"],
           "headers": {"host": "h"},
           "requestContext": {"http": {"method": "GET"}}}""";

      var request = translate(event);

      assertThat(request.getValuesList("Cookie")).containsExactly("session=abc; theme=dark");
    }

    @Test
    void framingAndConnectionHeadersAreReplacedByTheRequestsOwn() throws Exception {
      var request =
          translate(
              event(
                  "POST",
                  "/v1/uploads",
                  "",
                  """
                  {"content-length": "999", "transfer-encoding": "chunked",
                   "connection": "keep-alive", "expect": "100-continue"}""",
                  "abc",
                  false));

      assertThat(request.getValuesList("Content-Length")).containsExactly("3");
      assertThat(request.get("Transfer-Encoding")).isNull();
      assertThat(request.get("Expect")).isNull();
      assertThat(request.getValuesList("Connection")).containsExactly("close");
      assertThat(request.getContent()).isEqualTo("abc");
    }

    @Test
    void aCarriageReturnOrLineFeedInAValueIsRejectedWith400() {
      assertRejected(
          event("GET", "/v1", "", "{\"x-a\": \"ok\\r\\nAuthorization: Bearer x\"}", null, false),
          400);
      assertRejected(event("GET", "/v1", "", "{\"x-a\": \"ok\\nx\"}", null, false), 400);
    }

    @Test
    void aHeaderNameThatIsNotATokenIsRejectedWith400() {
      assertRejected(event("GET", "/v1", "", "{\"x a\": \"1\"}", null, false), 400);
      assertRejected(event("GET", "/v1", "", "{\"x\\r\\ny\": \"1\"}", null, false), 400);
    }
  }

  @Nested
  class Bodies {

    @Test
    void aBase64BodyIsDecodedToItsBytes() throws Exception {
      byte[] content = new byte[256];
      for (int i = 0; i < content.length; i++) {
        content[i] = (byte) i;
      }
      String base64 = Base64.getEncoder().encodeToString(content);

      var raw =
          RawRequest.of(
              HttpApiEvent.of(JSON.readTree(event("POST", "/v1", "", "{}", base64, true))));
      var request = HttpTester.parseRequest(ByteBuffer.wrap(raw.bytes()));

      assertThat(request.getContentBytes()).isEqualTo(content);
      assertThat(request.get("Content-Length")).isEqualTo("256");
    }

    @Test
    void aTextBodyIsSentAsUtf8() throws Exception {
      var request = translate(event("POST", "/v1", "", "{}", "naïve ✓", false));

      assertThat(request.getContentBytes()).isEqualTo("naïve ✓".getBytes(StandardCharsets.UTF_8));
      assertThat(request.get("Content-Length"))
          .isEqualTo(Integer.toString("naïve ✓".getBytes(StandardCharsets.UTF_8).length));
    }

    @Test
    void aPostWithoutBodySaysContentLength0() throws Exception {
      var request = translate(event("POST", "/v1", "", "{}", null, false));

      assertThat(request.get("Content-Length")).isEqualTo("0");
    }

    @Test
    void aGetWithoutBodyHasNoContentLength() throws Exception {
      var request = translate(event("GET", "/v1", "", "{}", null, false));

      assertThat(request.get("Content-Length")).isNull();
    }

    @Test
    void invalidBase64IsRejectedWith400() {
      assertRejected(event("POST", "/v1", "", "{}", "not base64!", true), 400);
    }

    @Test
    void aHeadRequestIsMarkedSoItsResponseIsReadWithoutABody() throws Exception {
      var raw =
          RawRequest.of(
              HttpApiEvent.of(JSON.readTree(event("HEAD", "/v1", "", "{}", null, false))));

      assertThat(raw.head()).isTrue();
    }
  }

  @Nested
  class UnusableEvents {

    @Test
    void aPayloadFormat1EventIsRejectedAsAnIntegrationError() {
      String v1 =
          """
          {"version": "1.0", "httpMethod": "GET", "path": "/v1", "headers": {}}""";

      assertRejected(v1, 500);
    }

    @Test
    void anEventWithoutMethodIsRejectedAsAnIntegrationError() {
      assertRejected("{\"version\": \"2.0\", \"rawPath\": \"/v1\"}", 500);
    }
  }

  private static String event(
      String method,
      String rawPath,
      String rawQuery,
      String headersJson,
      String body,
      boolean base64) {
    return """
        {"version": "2.0", "routeKey": "$default", "rawPath": %s, "rawQueryString": %s,
         "headers": %s,
         "requestContext": {"domainName": "abc.execute-api.us-east-1.amazonaws.com",
                            "http": {"method": %s, "path": %s, "sourceIp": "198.51.100.23"},
                            "requestId": "r-1", "stage": "$default"},
         %s
         "isBase64Encoded": %s}"""
        .formatted(
            quote(rawPath),
            quote(rawQuery),
            headersJson,
            quote(method),
            quote(rawPath),
            body == null ? "" : "\"body\": " + quote(body) + ",",
            base64);
  }

  private static String quote(String text) {
    return JSON.getNodeFactory().textNode(text).toString();
  }

  /** The request as text, for what HttpTester hides (it gives every request a default Host). */
  private static String rawText(String event) throws Exception {
    byte[] bytes = RawRequest.of(HttpApiEvent.of(JSON.readTree(event))).bytes();
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static List<String> hostLines(String request) {
    return request.lines().filter(line -> line.regionMatches(true, 0, "host:", 0, 5)).toList();
  }

  private static HttpTester.Request translate(String event) throws Exception {
    RawRequest raw = RawRequest.of(HttpApiEvent.of(JSON.readTree(event)));
    HttpTester.Request request = HttpTester.parseRequest(ByteBuffer.wrap(raw.bytes()));
    assertThat(request).as("a complete HTTP/1.1 request").isNotNull();
    return request;
  }

  private static void assertRejected(String event, int status) {
    assertThatThrownBy(() -> RawRequest.of(HttpApiEvent.of(JSON.readTree(event))))
        .isInstanceOfSatisfying(
            EventRejectedException.class, e -> assertThat(e.status()).isEqualTo(status));
  }
}
