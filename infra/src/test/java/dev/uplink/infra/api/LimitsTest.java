package dev.uplink.infra.api;

import static dev.uplink.infra.api.ApiFixture.ALICE;
import static dev.uplink.infra.api.ApiFixture.expect;
import static dev.uplink.infra.api.ApiFixture.problem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.api.UploadLimits;
import dev.uplink.api.UploadService;
import dev.uplink.api.UploadServices;
import dev.uplink.api.http.UploadApi;
import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.aws.DynamoDbTaskStore;
import dev.uplink.core.aws.S3ObjectStore;
import dev.uplink.core.aws.SqsTaskQueue;
import dev.uplink.core.config.AwsSettings;
import dev.uplink.core.domain.TaskId;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** Size limit (413), concurrency cap (429) and dependencies that are down or hang (503). */
class LimitsTest {

  private static final int LIMIT = 1024 * 1024;

  @RegisterExtension
  static final ApiFixture api =
      ApiFixture.create(ApiFixture.limits(Duration.ofMinutes(15)).withMaxUploadBytes(LIMIT), 1);

  @Test
  void aFileOverTheLimitIs413WhateverWayItComes() {
    int before = api.storedKeys().size();
    // The API answers a declared length over the limit before reading the body, and closes: a
    // client that keeps sending meets a reset (a race it may lose). Careful clients ask first,
    // as curl does for large bodies: Expect: 100-continue.
    var declaredTooBig =
        api.send(
            api.request(ALICE, "/v1/uploads?container=web-1&path=/srv/big")
                .expectContinue(true)
                .header("Content-Type", "application/octet-stream")
                .POST(BodyPublishers.ofByteArray(new byte[LIMIT + 1]))
                .build());
    var streamedTooBig =
        api.upload(
            ALICE,
            "web-1",
            "/srv/big",
            BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[2 * LIMIT])),
            Map.of());
    var presignedTooBig =
        api.postJson(
            ALICE,
            "/v1/uploads/presign",
            Map.of(
                "container",
                "web-1",
                "path",
                "/srv/big",
                "size",
                LIMIT + 1,
                "sha256",
                "0".repeat(64)));

    assertThat(problem(declaredTooBig, 413, "too-large").path("field").asText())
        .isEqualTo("Content-Length");
    assertThat(problem(streamedTooBig, 413, "too-large").path("field").asText()).isEqualTo("file");
    assertThat(problem(presignedTooBig, 413, "too-large").path("field").asText()).isEqualTo("size");
    assertThat(api.storedKeys()).hasSize(before);
    assertThat(expect(api.get(ALICE, "/v1/uploads?container=web-1"), 200).path("items").toString())
        .doesNotContain("/srv/big");
  }

  @Test
  void pastTheConcurrencyCapAnUploadIs429WithRetryAfter() throws Exception {
    // Which of two requests the server dispatches first is up to it: when the slow one came
    // second and was the one refused, try again.
    for (int round = 0; round < 10; round++) {
      try (var slow = new Socket(InetAddress.getLoopbackAddress(), api.api.port())) {
        startSlowUpload(slow);
        Thread.sleep(300);
        var second =
            api.upload(
                ALICE, "web-1", "/srv/second", BodyPublishers.ofByteArray(new byte[10]), Map.of());
        if (second.statusCode() == 429) {
          problem(second, 429, "too-many-uploads");
          assertThat(second.headers().firstValue("Retry-After")).contains("1");
          slow.getOutputStream().write(new byte[SLOW_BODY - SLOW_FIRST_CHUNK]);
          assertThat(statusLine(slow)).isEqualTo("HTTP/1.1 202");
          assertThat(
                  api.upload(
                          ALICE,
                          "web-1",
                          "/srv/third",
                          BodyPublishers.ofByteArray(new byte[10]),
                          Map.of())
                      .statusCode())
              .as("the slot is free again")
              .isEqualTo(202);
          return;
        }
        assertThat(second.statusCode()).isEqualTo(202);
        slow.setSoTimeout(5000);
        assertThat(statusLine(slow))
            .as("the slow upload was the one refused")
            .isEqualTo("HTTP/1.1 429");
      }
    }
    throw new AssertionError("the slow upload was never dispatched first in 10 rounds");
  }

  private static final int SLOW_BODY = 512 * 1024;
  private static final int SLOW_FIRST_CHUNK = 64 * 1024;

  /** An upload in progress on a raw socket: its headers and the first 64 KiB of 512 KiB. */
  private static void startSlowUpload(Socket slow) throws IOException {
    var out = slow.getOutputStream();
    out.write(
        ("POST /v1/uploads?container=web-1&path=/srv/slow HTTP/1.1\r\n"
                + "Host: 127.0.0.1\r\nAuthorization: Bearer "
                + ALICE
                + "\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                + SLOW_BODY
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.write(new byte[SLOW_FIRST_CHUNK]);
    out.flush();
  }

  private static String statusLine(Socket socket) throws IOException {
    return new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
  }

  @Test
  void aHungTaskStoreIs503WithinBoundedTimeAndLeavesNothing() throws Exception {
    try (var hole = new BlackHole()) {
      AwsSettings real = api.aws.settings();
      AwsSettings settings =
          real.withEndpoints(
              real.s3Endpoint().orElseThrow(), real.sqsEndpoint().orElseThrow(), hole.uri());
      try (var broken = BrokenApi.start(settings)) {
        int before = api.storedKeys().size();
        long started = System.nanoTime();

        var response = broken.upload(new byte[1000]);

        Duration took = Duration.ofNanos(System.nanoTime() - started);
        JsonNode problem = problem(response, 503, "service-unavailable");
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
        assertThat(problem.has("taskId")).as("no task was recorded").isFalse();
        assertThat(took).as("answered in %s", took).isLessThan(Duration.ofSeconds(40));
        assertThat(api.storedKeys()).as("the stored object was removed").hasSize(before);
        System.out.printf("LimitsTest: hung DynamoDB answered 503 in %d ms%n", took.toMillis());
      }
    }
  }

  @Test
  void anUnreachableQueueIs503ButTheRecordedTaskStaysForTheReconciler() throws Exception {
    int closedPort;
    try (var socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    AwsSettings real = api.aws.settings();
    AwsSettings settings =
        real.withEndpoints(
            real.s3Endpoint().orElseThrow(),
            URI.create("http://127.0.0.1:" + closedPort),
            real.dynamoDbEndpoint().orElseThrow());
    try (var broken = BrokenApi.start(settings)) {
      long started = System.nanoTime();

      var response = broken.upload(new byte[1000]);

      JsonNode problem = problem(response, 503, "service-unavailable");
      String id = problem.path("taskId").asText();
      assertThat(api.tasks.find(new TaskId(id)).orElseThrow().status().name()).isEqualTo("PENDING");
      System.out.printf(
          "LimitsTest: refused SQS answered 503 in %d ms%n",
          Duration.ofNanos(System.nanoTime() - started).toMillis());
    }
  }

  /** The API on clients whose endpoints may be broken, with the fixture's real table and queue. */
  private record BrokenApi(AwsClients clients, UploadApi server) implements AutoCloseable {

    static BrokenApi start(AwsSettings settings) {
      var clients =
          AwsClients.create(
              settings,
              StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")));
      var service =
          new UploadService(
              new DynamoDbTaskStore(clients.dynamoDb(), settings.table()),
              new S3ObjectStore(clients.s3(), settings.bucket(), 5 * 1024 * 1024),
              new SqsTaskQueue(clients.sqs(), api.queueUrl),
              Clock.systemUTC(),
              UploadLimits.defaults(),
              Optional.empty(),
              UploadServices.AWS_OUTAGES,
              Optional.empty());
      return new BrokenApi(
          clients, UploadApi.start("127.0.0.1", 0, Map.of(ALICE, "alice"), service));
    }

    HttpResponse<String> upload(byte[] body) throws Exception {
      var request =
          HttpRequest.newBuilder(
                  URI.create(
                      "http://127.0.0.1:"
                          + server.port()
                          + "/v1/uploads?container=web-1&path=/srv/x"))
              .header("Authorization", "Bearer " + ALICE)
              .POST(BodyPublishers.ofByteArray(body))
              .build();
      return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
      server.close();
      clients.close();
    }
  }

  /** Accepts connections and never answers: a hung endpoint. */
  private static final class BlackHole implements AutoCloseable {
    private final ServerSocket socket;
    private final List<Socket> held = new ArrayList<>();

    BlackHole() throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread.startVirtualThread(
          () -> {
            try {
              while (true) {
                Socket accepted = socket.accept();
                synchronized (held) {
                  held.add(accepted);
                }
              }
            } catch (IOException e) {
              // closed
            }
          });
    }

    URI uri() {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }

    @Override
    public void close() throws IOException {
      socket.close();
      synchronized (held) {
        for (Socket s : held) {
          s.close();
        }
      }
    }
  }
}
