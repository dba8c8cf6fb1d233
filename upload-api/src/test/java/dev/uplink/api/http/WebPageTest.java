package dev.uplink.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.api.UploadService;
import dev.uplink.api.fakes.RecordingTaskQueue;
import dev.uplink.api.fakes.StreamingObjectStore;
import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.config.AwsSettings;
import dev.uplink.core.testing.InMemoryTaskStore;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The web page's static files: served without a key, with a strict Content-Security-Policy and
 * revalidating cache headers, complete (every file the page loads is served, every file served is
 * listed) and free of inline code and HTML sinks, which the policy would block in the browser.
 */
@DisplayName("The web page's files")
class WebPageTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String S3 = "http://127.0.0.1:9000";
  private static UploadApi api;

  @BeforeAll
  static void start() {
    var service =
        new UploadService(
            new InMemoryTaskStore(),
            new StreamingObjectStore(),
            new RecordingTaskQueue(),
            Clock.systemUTC());
    api =
        UploadApi.start(
            "127.0.0.1",
            0,
            ApiSettings.allowingAll(Map.of("key", "alice")).withBrowserUploadOrigins(List.of(S3)),
            service);
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  @Nested
  @DisplayName("as served")
  class Served {

    @Test
    @DisplayName("/ is the page, without a key, under a strict policy that admits the object store")
    void theIndexNeedsNoKeyAndCarriesTheSecurityHeaders() throws Exception {
      HttpResponse<String> page = get("/", Map.of());

      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html;charset=utf-8");
      assertThat(page.body()).startsWith("<!doctype html>").contains("/web/app.js");
      String policy = page.headers().firstValue("Content-Security-Policy").orElseThrow();
      assertThat(policy.split("; "))
          .contains(
              "default-src 'none'",
              "script-src 'self'",
              "style-src 'self'",
              "connect-src 'self' " + S3,
              "frame-ancestors 'none'",
              "form-action 'none'",
              "base-uri 'none'",
              "require-trusted-types-for 'script'");
      assertThat(policy).doesNotContain("unsafe", "*", "data:");
      assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
      assertThat(page.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
      assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-cache");
    }

    @Test
    @DisplayName("every file is served with its type and an ETag that answers 304 when unchanged")
    void everyFileHasItsTypeAndRevalidates() throws Exception {
      for (String file : WebPage.FILES) {
        HttpResponse<String> first = get("/web/" + file, Map.of());
        assertThat(first.statusCode()).as(file).isEqualTo(200);
        String extension = file.substring(file.lastIndexOf('.') + 1);
        assertThat(first.headers().firstValue("Content-Type").orElseThrow())
            .as(file)
            .startsWith(
                Map.of(
                        "html", "text/html",
                        "js", "text/javascript",
                        "css", "text/css",
                        "svg", "image/svg+xml")
                    .get(extension));
        String etag = first.headers().firstValue("ETag").orElseThrow();
        assertThat(etag).matches("\"[0-9a-f]{24}\"");

        HttpResponse<String> again = get("/web/" + file, Map.of("If-None-Match", etag));
        assertThat(again.statusCode()).as(file).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        assertThat(get("/web/" + file, Map.of("If-None-Match", "\"other\"")).statusCode())
            .isEqualTo(200);
      }
    }

    @Test
    @DisplayName("nothing else is public: unknown files are 404, the API still wants a key")
    void onlyTheListedFilesArePublic() throws Exception {
      assertThat(get("/web/nope.js", Map.of()).statusCode()).isEqualTo(404);
      assertThat(get("/web/", Map.of()).statusCode()).isEqualTo(404);
      assertThat(get("/v1/uploads", Map.of()).statusCode()).isEqualTo(401);
      assertThat(get("/v1/me", Map.of()).statusCode()).isEqualTo(401);
      assertThat(get("/index.html", Map.of()).statusCode()).isEqualTo(401);
    }

    private HttpResponse<String> get(String path, Map<String, String> headers)
        throws IOException, InterruptedException {
      var request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
              .timeout(Duration.ofSeconds(10));
      headers.forEach(request::header);
      return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
  }

  @Nested
  @DisplayName("as written")
  class Written {

    @Test
    @DisplayName("the list of files is exactly what the web directory holds")
    void theListIsTheDirectory() throws Exception {
      try (Stream<Path> files = Files.list(webDirectory())) {
        assertThat(files.map(path -> path.getFileName().toString()).sorted())
            .containsExactlyElementsOf(new TreeSet<>(WebPage.FILES));
      }
    }

    @Test
    @DisplayName("everything the page and its modules load is a listed file")
    void everyReferenceIsServed() throws Exception {
      var referenced = new TreeSet<String>();
      collect(Pattern.compile("(?:src|href)=\"/web/([^\"]+)\""), read("index.html"), referenced);
      for (String file : WebPage.FILES) {
        if (file.endsWith(".js")) {
          String code = read(file);
          collect(Pattern.compile("from '\\./([^']+)'"), code, referenced);
          collect(Pattern.compile("import '\\./([^']+)'"), code, referenced);
          collect(Pattern.compile("new URL\\('\\./([^']+)'"), code, referenced);
        }
      }
      assertThat(referenced).contains("app.js", "app.css", "hash-worker.js", "sha256.js");
      assertThat(WebPage.FILES).containsAll(referenced);
      // Every module is used: none is listed (and public) for nothing.
      var unused = new TreeSet<>(WebPage.FILES);
      unused.removeAll(referenced);
      assertThat(unused).containsExactly("index.html");
    }

    @Test
    @DisplayName("no inline script, style or event handler: the policy would refuse them")
    void noInlineCode() throws Exception {
      String html = read("index.html");
      Matcher scripts = Pattern.compile("<script([^>]*)>").matcher(html);
      while (scripts.find()) {
        assertThat(scripts.group(1)).as("every script is a file").contains("src=\"/web/");
      }
      assertThat(html).doesNotContainPattern("(?i)\\son[a-z]+\\s*=");
      assertThat(html).doesNotContainPattern("(?i)\\sstyle\\s*=");
      assertThat(html).doesNotContainPattern("(?i)<style");
      assertThat(html).doesNotContainPattern("(?i)javascript:");
    }

    @Test
    @DisplayName("the scripts write text, never HTML, and never evaluate strings")
    void noHtmlSinks() throws Exception {
      for (String file : WebPage.FILES) {
        if (file.endsWith(".js")) {
          assertThat(read(file))
              .as(file)
              .doesNotContain(
                  "innerHTML",
                  "outerHTML",
                  "insertAdjacentHTML",
                  "document.write",
                  "eval(",
                  "new Function",
                  "setTimeout('",
                  "localStorage.setItem('uplink.apiKey'");
        }
      }
    }

    private Path webDirectory() throws URISyntaxException {
      URL index = WebPage.class.getResource(WebPage.RESOURCES + "index.html");
      assertThat(index).isNotNull();
      return Path.of(index.toURI()).getParent();
    }

    private String read(String file) throws IOException, URISyntaxException {
      return Files.readString(webDirectory().resolve(file), StandardCharsets.UTF_8);
    }

    private void collect(Pattern pattern, String text, TreeSet<String> into) {
      Matcher matcher = pattern.matcher(text);
      while (matcher.find()) {
        into.add(matcher.group(1));
      }
    }
  }

  @Nested
  @DisplayName("the object store's origin in the policy")
  class ObjectStoreOrigin {

    @Test
    @DisplayName("is where the SDK's presigned URLs really point, on AWS and on an emulator")
    void isWherePresignedUrlsPoint() {
      for (var settings :
          List.of(
              aws("eu-west-1", "uplink-uploads", Optional.empty()),
              aws("us-east-1", "uplink-uploads", Optional.empty()),
              aws("eu-west-1", "uploads.example.com", Optional.empty()),
              aws("us-east-1", "uplink", Optional.of(URI.create("http://127.0.0.1:41234"))))) {
        try (var clients =
            AwsClients.create(
                settings,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKID", "secret")))) {
          URI url =
              URI.create(
                  clients
                      .presigner()
                      .presignUploadPart(
                          p ->
                              p.signatureDuration(Duration.ofMinutes(1))
                                  .uploadPartRequest(
                                      r ->
                                          r.bucket(settings.bucket())
                                              .key("uploads/x")
                                              .uploadId("u")
                                              .partNumber(1)))
                      .url()
                      .toString());
          String origin = url.getScheme() + "://" + url.getRawAuthority();
          assertThat(ApiSettings.objectStoreOrigin(settings)).as(url.toString()).isEqualTo(origin);
        }
      }
    }

    private AwsSettings aws(String region, String bucket, Optional<URI> endpoint) {
      return new AwsSettings(
          region, endpoint, Optional.empty(), Optional.empty(), bucket, "q", "dlq", "t");
    }
  }
}
