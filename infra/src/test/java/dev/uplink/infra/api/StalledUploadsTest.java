package dev.uplink.infra.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.infra.UplinkLocal;
import dev.uplink.infra.testing.ChildJvm;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * No client can exhaust the API's memory or hold it hostage: the whole local stack ({@link
 * UplinkLocal}) runs in a child JVM with {@code -Xmx256m} and {@code -XX:+ExitOnOutOfMemoryError},
 * one owner ({@code hog}) opens 64 streamed uploads that each send 9 MiB of a declared 32 MiB and
 * then stall, another ({@code trickler}) sends a byte a second, and a third ({@code calm}) uploads
 * a normal file in the middle of it. Plain {@link Socket}s play the hostile clients.
 *
 * <p>The calm upload is answered 202 and its task is recorded and delivered; every hostile upload
 * is answered (429 past the owner's share of slots, 503 when no buffer memory frees up in time, 408
 * once it stays under the minimum rate for the window, here 10 s), its multipart upload aborted;
 * the server stays up, answers its probes, and stops on SIGTERM. The child's peak RSS and heap are
 * printed.
 */
class StalledUploadsTest {

  private static final String HEAP = "256m";
  private static final int HOGS = 64;
  private static final int TRICKLERS = 2;
  private static final long DECLARED = 32L << 20;
  private static final int SENT_BEFORE_STALL = 9 << 20;
  private static final int RATE_WINDOW_SECONDS = 10;
  private static final String HOG_KEY = "hog-key";
  private static final String CALM_KEY = "calm-key";
  private static final String TRICKLE_KEY = "trickle-key";
  private static final String BUCKET = "uplink-uploads";
  private static final Duration ANSWERS_DEADLINE = Duration.ofSeconds(90);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern S3_ENDPOINT = Pattern.compile("in-process S3 (http://[0-9.:]+)");

  @TempDir Path tempDir;

  private ChildJvm child;
  private final List<Socket> sockets = new ArrayList<>();

  @AfterEach
  void stop() throws IOException {
    for (Socket socket : sockets) {
      socket.close();
    }
    if (child != null) {
      child.close();
    }
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void
      givenSixtyFourStalledUploadsAndATrickle_whenAnotherOwnerUploads_thenItIsAcceptedAndNoneHangs()
          throws Exception {
    int port = freePort();
    child = startChild(port);
    child.awaitOutput(Pattern.compile("Uplink is running locally"), Duration.ofSeconds(90));
    URI base = URI.create("http://127.0.0.1:" + port);
    String idleRss = procStatus(child.pid(), "VmRSS");
    Map<String, String> answers = new ConcurrentHashMap<>();

    try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < HOGS; i++) {
        String name = "hog-" + i;
        Socket socket = open(port, HOG_KEY, "/srv/hog/" + i, DECLARED);
        clients.submit(() -> answers.put(name, answerOf(socket)));
        clients.submit(() -> sendThenStall(socket, SENT_BEFORE_STALL));
      }
      for (int i = 0; i < TRICKLERS; i++) {
        String name = "trickle-" + i;
        Socket socket = open(port, TRICKLE_KEY, "/srv/trickle/" + i, 1 << 20);
        clients.submit(() -> answers.put(name, answerOf(socket)));
        clients.submit(() -> trickle(socket));
      }
      Thread.sleep(3000); // the hogs have sent what they will send, or were refused

      HttpClient http =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(10))
              .build();
      HttpResponse<String> health = send(http, get(base, "/healthz", null));
      assertThat(health.statusCode()).as("healthz while stalled").isEqualTo(200);
      byte[] file = new byte[1 << 20];
      long calmBegan = System.nanoTime();
      HttpResponse<String> calm =
          send(
              http,
              HttpRequest.newBuilder(base.resolve("/v1/uploads?container=calm&path=/srv/calm.bin"))
                  .header("Authorization", "Bearer " + CALM_KEY)
                  .header("Content-Type", "application/octet-stream")
                  .timeout(Duration.ofSeconds(60))
                  .POST(HttpRequest.BodyPublishers.ofByteArray(file))
                  .build());
      long calmMillis = (System.nanoTime() - calmBegan) / 1_000_000;

      assertThat(calm.statusCode()).as("the calm upload: %s", calm.body()).isEqualTo(202);
      String id = JSON.readTree(calm.body()).path("id").asText();
      JsonNode task = awaitDone(http, base, id);
      assertThat(task.path("size").asLong()).isEqualTo(file.length);

      awaitAnswers(answers);
      var outcomes = new TreeMap<String, Integer>();
      answers.forEach(
          (name, answer) -> outcomes.merge(name.split("-")[0] + " " + answer, 1, Integer::sum));
      assertThat(answers.entrySet())
          .as("every hostile upload was answered: %s", outcomes)
          .allSatisfy(
              e ->
                  assertThat(e.getValue())
                      .as(e.getKey())
                      .isIn("HTTP/1.1 408", "HTTP/1.1 429", "HTTP/1.1 503"));
      assertThat(outcomes)
          .as("the tricklers are ended as too slow")
          .containsEntry("trickle HTTP/1.1 408", TRICKLERS);
      assertThat(outcomes.get("hog HTTP/1.1 429"))
          .as("past the hog's half of the 64 slots")
          .isEqualTo(HOGS / 2);
      assertThat(outcomes).as("the hogs holding memory are ended").containsKey("hog HTTP/1.1 408");
      assertThat(multipartUploadsLeft()).as("multipart uploads left in S3").isZero();
      assertThat(child.isAlive()).as("the server survived").isTrue();
      assertThat(send(http, get(base, "/healthz", null)).statusCode()).isEqualTo(200);

      String peakRss = procStatus(child.pid(), "VmHWM");
      String rss = procStatus(child.pid(), "VmRSS");
      long stopBegan = System.nanoTime();
      OptionalInt exit = child.terminate(Duration.ofSeconds(30));
      long stopMillis = (System.nanoTime() - stopBegan) / 1_000_000;
      System.out.printf(
          Locale.ROOT,
          """

          === StalledUploadsTest: child -Xmx%s, %d hogs x %d MiB then stalled, %d tricklers ===
            outcomes: %s
            calm upload (1 MiB) answered in %d ms
            child RSS idle %s, peak %s, after %s
            SIGTERM: %s in %d ms
          """,
          HEAP,
          HOGS,
          SENT_BEFORE_STALL >> 20,
          TRICKLERS,
          outcomes,
          calmMillis,
          idleRss,
          peakRss,
          rss,
          exit.isPresent() ? "exited " + exit.getAsInt() : "still running",
          stopMillis);
      assertThat(exit).as("stops on SIGTERM within 30 s").isPresent();
    }
  }

  private ChildJvm startChild(int port) throws IOException {
    Path data = Files.createDirectories(tempDir.resolve("data"));
    Path tmp = Files.createDirectories(tempDir.resolve("tmp"));
    return ChildJvm.builder(UplinkLocal.class.getName(), tempDir.resolve("child.log"))
        .name("the local stack")
        .jvmArgs(
            "-Xmx" + HEAP,
            "-XX:+ExitOnOutOfMemoryError",
            "--enable-native-access=ALL-UNNAMED",
            "-Djava.io.tmpdir=" + tmp)
        .env("UPLINK_PORT", Integer.toString(port))
        .env("UPLINK_DATA_DIR", data.toString())
        .env("UPLINK_LOG_FORMAT", "text")
        .env(
            "UPLINK_API_KEYS",
            HOG_KEY + "=hog@*:/," + CALM_KEY + "=calm@*:/," + TRICKLE_KEY + "=trickler@*:/")
        .env("UPLINK_MIN_UPLOAD_RATE_WINDOW", Integer.toString(RATE_WINDOW_SECONDS))
        .start();
  }

  /** A socket with the headers of a streamed upload of {@code declared} bytes sent. */
  private Socket open(int port, String key, String path, long declared) throws IOException {
    var socket = new Socket(InetAddress.getLoopbackAddress(), port);
    synchronized (sockets) {
      sockets.add(socket);
    }
    socket
        .getOutputStream()
        .write(
            ("POST /v1/uploads?container=hostile&path="
                    + path
                    + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                    + key
                    + "\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                    + declared
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
    return socket;
  }

  /** Sends {@code bytes} (as far as the server lets it), then nothing more. */
  private static void sendThenStall(Socket socket, int bytes) {
    byte[] chunk = new byte[64 * 1024];
    try {
      OutputStream out = socket.getOutputStream();
      for (int sent = 0; sent < bytes; sent += chunk.length) {
        out.write(chunk);
      }
      out.flush();
    } catch (IOException e) {
      // refused and closed by the server: what it answered is read by answerOf
    }
  }

  /** One byte a second, until the server closes the connection. */
  private static void trickle(Socket socket) {
    try {
      OutputStream out = socket.getOutputStream();
      out.write(new byte[1024]);
      while (!socket.isClosed()) {
        out.write(0);
        out.flush();
        Thread.sleep(1000);
      }
    } catch (IOException e) {
      // closed by the server
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The status line the server answered with, or what happened instead. */
  private static String answerOf(Socket socket) {
    try {
      socket.setSoTimeout((int) ANSWERS_DEADLINE.toMillis());
      InputStream in = socket.getInputStream();
      byte[] status = in.readNBytes(12);
      return status.length == 0 ? "closed" : new String(status, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }

  private void awaitAnswers(Map<String, String> answers) throws InterruptedException {
    long deadline = System.nanoTime() + ANSWERS_DEADLINE.toNanos();
    while (answers.size() < HOGS + TRICKLERS) {
      if (!child.isAlive()) {
        fail("The local stack died (%s)%n%s", child.state(), child.tail(60));
      }
      if (System.nanoTime() > deadline) {
        fail(
            "Only %d of %d hostile uploads were answered within %s: %s",
            answers.size(), HOGS + TRICKLERS, ANSWERS_DEADLINE, answers);
      }
      Thread.sleep(200);
    }
  }

  private JsonNode awaitDone(HttpClient http, URI base, String id) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    JsonNode task = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> response = send(http, get(base, "/v1/uploads/" + id, CALM_KEY));
      assertThat(response.statusCode()).as("the calm task: %s", response.body()).isEqualTo(200);
      task = JSON.readTree(response.body());
      if (task.path("status").asText().equals("DONE")) {
        return task;
      }
      Thread.sleep(250);
    }
    return fail("The calm task is not DONE within 60 s: %s", task);
  }

  /** Multipart uploads still open in the stack's bucket, asked of its S3 emulator. */
  private int multipartUploadsLeft() {
    Matcher endpoint = S3_ENDPOINT.matcher(child.outputText());
    assertThat(endpoint.find()).as("the banner names the S3 endpoint").isTrue();
    try (S3Client s3 =
        S3Client.builder()
            .endpointOverride(URI.create(endpoint.group(1)))
            .region(Region.US_EAST_1)
            .forcePathStyle(true)
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
            .build()) {
      return s3.listMultipartUploads(r -> r.bucket(BUCKET)).uploads().size();
    }
  }

  private HttpResponse<String> send(HttpClient http, HttpRequest request) throws Exception {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AssertionError(
          "%s %s failed (child %s)%n%s"
              .formatted(request.method(), request.uri(), child.state(), child.tail(60)),
          e);
    }
  }

  private static HttpRequest get(URI base, String path, String key) {
    var request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).GET();
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return request.build();
  }

  private static int freePort() throws IOException {
    try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** A line of /proc/PID/status such as {@code VmHWM}, e.g. {@code "312 MiB"}. */
  private static String procStatus(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith(field + ":")) {
          long kib = Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
          return (kib / 1024) + " MiB";
        }
      }
      return "(no " + field + ")";
    } catch (IOException | RuntimeException e) {
      return "(unavailable: " + e + ")";
    }
  }
}
