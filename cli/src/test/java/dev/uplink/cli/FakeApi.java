package dev.uplink.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for the upload API (or an object store) on 127.0.0.1: canned answers for {@code METHOD
 * /path?query}, every request recorded. Anything not answered is a 404 problem.
 */
final class FakeApi implements AutoCloseable {

  /** A request as it arrived. */
  record Request(
      String method, String pathAndQuery, Map<String, List<String>> headers, byte[] body) {

    int size() {
      return body.length;
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    String header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0))
          .findFirst()
          .orElse(null);
    }
  }

  private record Answer(int status, String contentType, String body, Map<String, String> headers) {}

  private final HttpServer server;
  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();

  private FakeApi(HttpServer server) {
    this.server = server;
  }

  static FakeApi start() {
    try {
      var server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      var api = new FakeApi(server);
      server.createContext("/", api::handle);
      server.start();
      return api;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Answers {@code method pathAndQuery} (the query exactly as sent) with JSON. */
  FakeApi json(String method, String pathAndQuery, int status, String body) {
    return answer(method, pathAndQuery, status, "application/json", body, Map.of());
  }

  FakeApi answer(
      String method,
      String pathAndQuery,
      int status,
      String contentType,
      String body,
      Map<String, String> headers) {
    answers.put(method + " " + pathAndQuery, new Answer(status, contentType, body, headers));
    return this;
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String target = exchange.getRequestURI().getRawPath();
      if (exchange.getRequestURI().getRawQuery() != null) {
        target += "?" + exchange.getRequestURI().getRawQuery();
      }
      requests.add(
          new Request(
              exchange.getRequestMethod(), target, Map.copyOf(exchange.getRequestHeaders()), body));
      Answer answer =
          answers.getOrDefault(
              exchange.getRequestMethod() + " " + target,
              new Answer(
                  404,
                  "application/problem+json",
                  "{\"title\":\"Not found\",\"detail\":\"No answer for " + target + "\"}",
                  Map.of()));
      byte[] response = answer.body().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", answer.contentType());
      answer.headers().forEach(exchange.getResponseHeaders()::set);
      exchange.sendResponseHeaders(answer.status(), response.length == 0 ? -1 : response.length);
      exchange.getResponseBody().write(response);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
