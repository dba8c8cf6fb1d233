package dev.uplink.api.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.api.UploadService;
import dev.uplink.api.fakes.RecordingTaskQueue;
import dev.uplink.api.fakes.StreamingObjectStore;
import dev.uplink.core.testing.InMemoryTaskStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A server started with a stop grace ({@code uplink api}, on SIGTERM) stops taking work at once but
 * lets the uploads in progress finish: nothing a client was told 202 about is lost, and nothing is
 * cut short that could finish within the grace.
 */
@DisplayName("Stopping the API gracefully")
class GracefulStopTest {

  private static final Duration GRACE = Duration.ofSeconds(10);

  private final InMemoryTaskStore tasks = new InMemoryTaskStore();
  private final StreamingObjectStore objects = new StreamingObjectStore();
  private final RecordingTaskQueue queue = new RecordingTaskQueue();
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private UploadApi api;

  @AfterEach
  void stop() {
    http.close();
    if (api != null) {
      api.close();
    }
  }

  private UploadApi start(Duration grace) {
    var service = new UploadService(tasks, objects, queue, Clock.systemUTC());
    return UploadApi.start(
        "127.0.0.1", 0, ApiSettings.allowingAll(Map.of("key", "alice")), service, grace);
  }

  private HttpRequest upload(InputStream body) {
    return HttpRequest.newBuilder(
            URI.create(
                "http://127.0.0.1:" + api.port() + "/v1/uploads?container=web&path=/srv/a.bin"))
        .header("Authorization", "Bearer key")
        .header("Content-Type", "application/octet-stream")
        .POST(BodyPublishers.ofInputStream(() -> body))
        .build();
  }

  /** 64 KiB, then nothing until {@code go} opens, then 64 KiB more. */
  private static InputStream heldBody(CountDownLatch go) {
    InputStream rest =
        new InputStream() {
          private final InputStream bytes = new ByteArrayInputStream(new byte[64 * 1024]);

          @Override
          public int read() throws IOException {
            awaitGo();
            return bytes.read();
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            awaitGo();
            return bytes.read(b, off, len);
          }

          private void awaitGo() throws IOException {
            try {
              if (!go.await(15, TimeUnit.SECONDS)) {
                throw new IOException("never told to go on");
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new IOException(e);
            }
          }
        };
    return new SequenceInputStream(new ByteArrayInputStream(new byte[64 * 1024]), rest);
  }

  @Test
  void givenAnUploadInProgress_whenStopped_thenItFinishesWith202AndTheStopWaitsForIt()
      throws Exception {
    api = start(GRACE);
    var go = new CountDownLatch(1);
    CompletableFuture<HttpResponse<String>> uploading =
        http.sendAsync(upload(heldBody(go)), BodyHandlers.ofString());
    awaitPutStarted();
    int port = api.port();

    CompletableFuture<Void> stopping = CompletableFuture.runAsync(api::close);
    // Longer than the second Jetty allows an idle connection once a stop began, by default.
    Thread.sleep(1_500);
    assertThat(stopping).as("the stop waits for the upload in progress").isNotDone();
    assertThatThrownBy(
            () ->
                HttpClient.newHttpClient()
                    .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                            .build(),
                        BodyHandlers.ofString()))
        .as("a new connection while stopping")
        .isInstanceOf(ConnectException.class);

    go.countDown();
    HttpResponse<String> response = uploading.get(10, TimeUnit.SECONDS);
    assertThat(response.statusCode()).as("the upload's answer: %s", response.body()).isEqualTo(202);
    stopping.get(5, TimeUnit.SECONDS);
    assertThat(queue.published()).as("the task was queued").hasSize(1);
    api = null;
  }

  @Test
  void givenAnUploadThatOutlastsTheGrace_whenStopped_thenTheStopEndsAfterTheGrace()
      throws Exception {
    api = start(Duration.ofSeconds(1));
    var go = new CountDownLatch(1);
    CompletableFuture<HttpResponse<String>> uploading =
        http.sendAsync(upload(heldBody(go)), BodyHandlers.ofString());
    awaitPutStarted();

    long started = System.nanoTime();
    api.close();
    api = null;
    long tookMillis = (System.nanoTime() - started) / 1_000_000;

    assertThat(tookMillis).as("the stop took (ms)").isBetween(900L, 5_000L);
    go.countDown();
    // Cut off: the connection closed, or (when its silence outlasted the grace first) answered
    // 400 incomplete-body. Never accepted.
    try {
      HttpResponse<String> answer = uploading.get(10, TimeUnit.SECONDS);
      assertThat(answer.statusCode()).as("the cut-off upload's answer").isEqualTo(400);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).as("the cut-off upload").isInstanceOf(IOException.class);
    }
    assertThat(queue.published()).as("nothing queued for a cut-off upload").isEmpty();
  }

  private void awaitPutStarted() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (objects.putsStarted() == 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the upload never reached the object store");
      }
      Thread.sleep(20);
    }
  }
}
