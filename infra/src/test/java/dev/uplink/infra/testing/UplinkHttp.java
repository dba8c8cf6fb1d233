package dev.uplink.infra.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The upload API as a client sees it: plain {@code java.net.http} over a real socket, nothing of
 * the server's own classes. Each method returns the raw response; {@link #json} parses a body.
 */
public final class UplinkHttp implements AutoCloseable {

  public static final String UPLOADS = "/v1/uploads";
  public static final String PROBLEM_JSON = "application/problem+json";
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final HttpClient http;

  public UplinkHttp(URI base) {
    this.base = base;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  /** A query string from name/value pairs (in order), URL-encoded; empty when none. */
  public static String query(String... namesAndValues) {
    var pairs = new LinkedHashMap<String, String>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      pairs.put(namesAndValues[i], namesAndValues[i + 1]);
    }
    if (pairs.isEmpty()) {
      return "";
    }
    return "?"
        + pairs.entrySet().stream()
            .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
  }

  /** {@code POST /v1/uploads{query}} with a raw {@code application/octet-stream} file body. */
  public HttpResponse<String> uploadFile(String apiKey, String query, Path file) {
    try {
      return post(apiKey, query, Map.of(), "application/octet-stream", BodyPublishers.ofFile(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code POST /v1/uploads{query}} with a raw {@code application/octet-stream} body. */
  public HttpResponse<String> uploadBytes(String apiKey, String query, byte[] body) {
    return post(
        apiKey, query, Map.of(), "application/octet-stream", BodyPublishers.ofByteArray(body));
  }

  /**
   * {@code POST /v1/uploads{query}}.
   *
   * @param apiKey sent as {@code Authorization: Bearer KEY}; null sends no Authorization header
   */
  public HttpResponse<String> post(
      String apiKey,
      String query,
      Map<String, String> headers,
      String contentType,
      BodyPublisher body) {
    var request = request(apiKey, UPLOADS + query).POST(body).header("Content-Type", contentType);
    headers.forEach(request::header);
    return send(request.build());
  }

  /** {@code GET /v1/uploads/{id}}. */
  public HttpResponse<String> task(String apiKey, String id) {
    return send(request(apiKey, UPLOADS + "/" + id).GET().build());
  }

  /** Checks a 202 answer and returns the new task's id. */
  public static String acceptedId(HttpResponse<String> response) {
    assertThat(response.statusCode()).as("upload answer: %s", response.body()).isEqualTo(202);
    JsonNode body = json(response);
    String id = body.path("id").asText();
    assertThat(body.path("status").asText()).as("status of the new task").isEqualTo("PENDING");
    assertThat(response.headers().firstValue("Location"))
        .as("Location header")
        .contains(UPLOADS + "/" + id);
    return id;
  }

  /**
   * Polls {@code GET /v1/uploads/{id}} until the task is DONE or FAILED and returns it; fails the
   * test (showing the last answer) when {@code deadline} passes first.
   */
  public JsonNode awaitFinished(String apiKey, String id, Duration deadline) {
    long end = System.nanoTime() + deadline.toNanos();
    List<String> seen = new ArrayList<>();
    while (true) {
      HttpResponse<String> response = task(apiKey, id);
      assertThat(response.statusCode()).as("GET task %s: %s", id, response.body()).isEqualTo(200);
      JsonNode task = json(response);
      String status = task.path("status").asText();
      if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(status)) {
        seen.add(status);
      }
      if (status.equals("DONE") || status.equals("FAILED")) {
        return task;
      }
      if (System.nanoTime() > end) {
        return fail(
            "Task %s did not finish within %s (statuses seen %s); last answer: %s",
            id, deadline, seen, response.body());
      }
      try {
        Thread.sleep(POLL_INTERVAL);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return fail("interrupted while waiting for task " + id);
      }
    }
  }

  /**
   * Polls {@code GET /v1/dlq} with an operator's key until it lists {@code count} messages (the
   * queue's redrive policy moves them there after their last receive) and returns the listing;
   * fails the test, showing the last listing, after 30 s.
   */
  public JsonNode awaitDeadLetters(String operatorKey, int count) {
    long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      HttpResponse<String> response = send(request(operatorKey, "/v1/dlq").GET().build());
      assertThat(response.statusCode()).as("GET /v1/dlq: %s", response.body()).isEqualTo(200);
      JsonNode listing = json(response);
      if (listing.path("messages").size() >= count || System.nanoTime() > end) {
        assertThat(listing.path("messages")).as(listing.toString()).hasSize(count);
        return listing;
      }
      try {
        Thread.sleep(POLL_INTERVAL);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return fail("interrupted while waiting for dead letters");
      }
    }
  }

  public static JsonNode json(HttpResponse<String> response) {
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      return fail("Not JSON (HTTP %d): %s", response.statusCode(), response.body());
    }
  }

  /** Checks an RFC 9457 answer: status, media type, problem type and status member. */
  public static JsonNode problem(HttpResponse<String> response, int status, String type) {
    assertThat(response.statusCode()).as("HTTP status; body %s", response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type"))
        .as("Content-Type of a problem")
        .hasValueSatisfying(ct -> assertThat(ct).startsWith(PROBLEM_JSON));
    JsonNode body = json(response);
    assertThat(body.path("type").asText())
        .as("problem type")
        .isEqualTo("https://uplink.dev/problems/" + type);
    assertThat(body.path("status").asInt()).as("problem status member").isEqualTo(status);
    assertThat(body.path("detail").asText()).as("problem detail").isNotBlank();
    return body;
  }

  private HttpRequest.Builder request(String apiKey, String pathAndQuery) {
    var builder = HttpRequest.newBuilder(base.resolve(pathAndQuery)).timeout(REQUEST_TIMEOUT);
    if (apiKey != null) {
      builder.header("Authorization", "Bearer " + apiKey);
    }
    return builder;
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(request.method() + " " + request.uri() + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() {
    http.close();
  }
}
