package dev.uplink.infra.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.aws.S3DirectUploads;
import dev.uplink.core.domain.DirectUploads.PresignedRequest;
import dev.uplink.infra.testing.LocalAwsExtension;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The local S3 (S3Proxy) answers a browser the way the template's bucket CORS rules do on AWS, so
 * the web page can send presigned parts straight to it from the API's origin: the preflight for a
 * {@code PUT} with the content and checksum headers is allowed for loopback pages on any port, the
 * {@code PUT} itself exposes {@code ETag}, and pages anywhere else get no CORS headers at all.
 */
@DisplayName("CORS of the local S3 for the web page")
class BrowserCorsTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String PAGE = "http://127.0.0.1:41817";

  @RegisterExtension static final LocalAwsExtension aws = LocalAwsExtension.create();

  @Test
  @DisplayName("a loopback page may PUT a presigned part and read its ETag")
  void aLoopbackPageMayPutAPartAndReadItsEtag() throws Exception {
    var uploads = S3DirectUploads.of(aws.clients());
    String uploadId = uploads.startMultipart("uploads/cors");
    byte[] part = "a part from a browser".getBytes(StandardCharsets.UTF_8);
    PresignedRequest put =
        uploads.presignPart("uploads/cors", uploadId, 1, part.length, Duration.ofMinutes(5));

    HttpResponse<String> preflight =
        send(
            HttpRequest.newBuilder(put.url())
                .method("OPTIONS", BodyPublishers.noBody())
                .header("Origin", PAGE)
                .header("Access-Control-Request-Method", "PUT")
                .header("Access-Control-Request-Headers", "content-type,x-amz-checksum-sha256"));
    assertThat(preflight.statusCode()).as(preflight.body()).isEqualTo(200);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue(PAGE);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods").orElseThrow())
        .contains("PUT");
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElseThrow())
        .containsIgnoringCase("x-amz-checksum-sha256")
        .containsIgnoringCase("content-type");

    HttpResponse<String> sent =
        send(
            HttpRequest.newBuilder(put.url())
                .PUT(BodyPublishers.ofByteArray(part))
                .header("Origin", PAGE));
    assertThat(sent.statusCode()).as(sent.body()).isEqualTo(200);
    assertThat(sent.headers().firstValue("Access-Control-Allow-Origin")).hasValue(PAGE);
    assertThat(sent.headers().firstValue("Access-Control-Expose-Headers").orElseThrow())
        .containsIgnoringCase("ETag");
    assertThat(sent.headers().firstValue("ETag")).isPresent();
    assertThat(uploads.listParts("uploads/cors", uploadId)).hasSize(1);
  }

  @Test
  @DisplayName("a page on any other origin is refused")
  void otherOriginsAreRefused() throws Exception {
    var uploads = S3DirectUploads.of(aws.clients());
    PresignedRequest put =
        uploads.presignPut(
            "uploads/elsewhere",
            1,
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            Duration.ofMinutes(5));
    for (String origin :
        new String[] {"https://evil.example", "http://127.0.0.1.evil.example:8080", "null"}) {
      HttpResponse<String> preflight =
          send(
              HttpRequest.newBuilder(put.url())
                  .method("OPTIONS", BodyPublishers.noBody())
                  .header("Origin", origin)
                  .header("Access-Control-Request-Method", "PUT"));
      assertThat(preflight.statusCode()).as(origin).isEqualTo(403);
      assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin"))
          .as(origin)
          .isEmpty();
    }
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), BodyHandlers.ofString());
  }
}
