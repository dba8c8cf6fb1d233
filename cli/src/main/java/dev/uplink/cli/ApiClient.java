package dev.uplink.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The upload API over HTTP/1.1 ({@link HttpClient}). Every API request carries {@code
 * Authorization: Bearer KEY}; requests to presigned URLs ({@link #sendPresigned}) never do, since
 * they go to the object store. A refused request throws {@link ApiException} with the server's
 * problem, a request that never got an answer a {@link CliException} saying why.
 */
public final class ApiClient {

  /** How long a request without a body of its own may wait for the answer's headers. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final long EXPECT_CONTINUE_PAST = 1024 * 1024;

  /** Headers the HTTP client sets itself and refuses to be given. */
  private static final Set<String> RESTRICTED_HEADERS =
      Set.of("content-length", "host", "connection", "expect", "upgrade");

  private final URI apiUrl;
  private final Optional<String> apiKey;
  private final HttpClient http;
  private final String userAgent;

  ApiClient(URI apiUrl, Optional<String> apiKey, HttpClient http) {
    this.apiUrl = Objects.requireNonNull(apiUrl, "apiUrl");
    this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
    this.http = Objects.requireNonNull(http, "http");
    this.userAgent = "uplink-cli/" + UplinkCommand.version();
  }

  /** A client for the API {@code settings} name. */
  public static ApiClient connect(CliSettings settings) {
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    return new ApiClient(settings.apiUrl(), settings.apiKey(), http);
  }

  /** The API's base URL. */
  public URI apiUrl() {
    return apiUrl;
  }

  /**
   * An answer of the API.
   *
   * @param status the HTTP status (2xx)
   * @param headers the response headers
   * @param body the JSON body ({@link NullNode} when there was none)
   */
  public record Response(int status, HttpHeaders headers, JsonNode body) {}

  /** {@code GET pathAndQuery} (e.g. {@code /v1/uploads/ID}). */
  public Response get(String pathAndQuery) {
    return get(pathAndQuery, REQUEST_TIMEOUT);
  }

  /** {@code GET} with its own timeout, for long polls. */
  public Response get(String pathAndQuery, Duration timeout) {
    return exchange("GET", pathAndQuery, BodyPublishers.noBody(), Map.of(), Optional.of(timeout));
  }

  /** {@code POST} without a body. */
  public Response post(String path) {
    return exchange("POST", path, BodyPublishers.noBody(), Map.of(), Optional.of(REQUEST_TIMEOUT));
  }

  /** {@code POST} of a JSON body. */
  public Response postJson(String path, Object body, Map<String, String> headers) {
    var allHeaders = new LinkedHashMap<>(headers);
    allHeaders.put("Content-Type", "application/json");
    return exchange(
        "POST",
        path,
        BodyPublishers.ofString(Json.compact(body)),
        allHeaders,
        Optional.of(REQUEST_TIMEOUT));
  }

  /** {@code DELETE}. */
  public Response delete(String path) {
    return exchange(
        "DELETE", path, BodyPublishers.noBody(), Map.of(), Optional.of(REQUEST_TIMEOUT));
  }

  /**
   * {@code POST} of a body that may take long to send (a file): no timeout, the connection's own
   * failure ends it.
   */
  public Response postStream(String pathAndQuery, BodyPublisher body, Map<String, String> headers) {
    return exchange("POST", pathAndQuery, body, headers, Optional.empty());
  }

  /**
   * Makes a presigned request exactly as the API described it ({@code method}, {@code url}, {@code
   * headers}), with {@code body}; no API key goes with it.
   *
   * @param what the request in words, for the error, e.g. {@code S3 refused part 2}
   * @throws ApiException if the store refused it
   */
  public void sendPresigned(JsonNode presigned, BodyPublisher body, String what) {
    URI url = URI.create(presigned.path("url").asText());
    var request =
        HttpRequest.newBuilder(url)
            .method(presigned.path("method").asText("PUT"), body)
            .expectContinue(needsContinue(body))
            .header("User-Agent", userAgent);
    presigned
        .path("headers")
        .fields()
        .forEachRemaining(
            header -> {
              if (!RESTRICTED_HEADERS.contains(header.getKey().toLowerCase(Locale.ROOT))) {
                request.header(header.getKey(), header.getValue().asText());
              }
            });
    HttpResponse<String> response = send(request.build(), "the object store at " + origin(url));
    if (response.statusCode() >= 300) {
      throw new ApiException(what, problem(response));
    }
  }

  private Response exchange(
      String method,
      String pathAndQuery,
      BodyPublisher body,
      Map<String, String> headers,
      Optional<Duration> timeout) {
    var request =
        HttpRequest.newBuilder(URI.create(apiUrl + pathAndQuery))
            .method(method, body)
            .expectContinue(needsContinue(body))
            .header("Accept", "application/json")
            .header("User-Agent", userAgent);
    apiKey.ifPresent(key -> request.header("Authorization", "Bearer " + key));
    timeout.ifPresent(request::timeout);
    headers.forEach(request::header);
    HttpResponse<String> response = send(request.build(), "the API at " + apiUrl);
    if (response.statusCode() >= 300) {
      throw new ApiException("", problem(response));
    }
    JsonNode json = Json.parse(response.body()).orElse(NullNode.getInstance());
    return new Response(response.statusCode(), response.headers(), json);
  }

  /**
   * Whether to ask before sending {@code body} ({@code Expect: 100-continue}, past 1 MiB like
   * curl): a refusal (a wrong key, a forbidden path, an expired URL) then comes before the file is
   * sent, instead of the server closing the connection mid-body and the user reading "Broken pipe".
   */
  private static boolean needsContinue(BodyPublisher body) {
    return body.contentLength() > EXPECT_CONTINUE_PAST;
  }

  private HttpResponse<String> send(HttpRequest request, String peer) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      if (hasCause(e, UnresolvedAddressException.class)
          || hasCause(e, UnknownHostException.class)) {
        throw new CliException("cannot connect to " + peer + ": its host name does not resolve", e);
      }
      throw new CliException(
          "cannot connect to "
              + peer
              + " ("
              + reason(e, "connection refused")
              + "); is it running? Set --api or "
              + CliSettings.API_URL_VARIABLE,
          e);
    } catch (HttpTimeoutException e) {
      throw new CliException(peer + " did not answer in time (" + reason(e, "timed out") + ")", e);
    } catch (IOException e) {
      throw new CliException("talking to " + peer + " failed: " + reason(e, "I/O error"), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted", e);
    }
  }

  private static Problem problem(HttpResponse<String> response) {
    return Problem.of(
        response.statusCode(), response.body(), response.headers().firstValue("Retry-After"));
  }

  private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (type.isInstance(cause)) {
        return true;
      }
      if (cause.getCause() == cause) {
        break;
      }
    }
    return false;
  }

  /** The innermost useful message of {@code e}, on one line. */
  private static String reason(Throwable e, String fallback) {
    Throwable cause = e;
    String message = null;
    while (cause != null) {
      if (cause.getMessage() != null && !cause.getMessage().isBlank()) {
        message = cause.getMessage();
      }
      if (cause.getCause() == cause) {
        break;
      }
      cause = cause.getCause();
    }
    return message == null ? fallback : Problem.oneLine(message);
  }

  /** {@code scheme://host:port} of a presigned URL: its query holds the signature, not shown. */
  private static String origin(URI url) {
    return url.getScheme() + "://" + url.getRawAuthority();
  }
}
