package dev.uplink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.infra.UplinkLocal;
import dev.uplink.processor.incus.TcpForwarder;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16's combined fault, with default settings: the whole local stack ({@code uplink local}:
 * API, emulated AWS, processor) killed -9 twice while 200 uploads go in, and the Incus server
 * unreachable for two minutes (a TCP forwarder in front of the real incusd, closed and opened
 * again). Clients retry what the crashes cut off with the same {@code Idempotency-Key}, as a
 * careful client does. Every task ends DONE, every file byte-identical, one task per key, no
 * staging file left behind, within minutes of the last fault.
 */
@DisplayName("uplink local killed -9 twice during 200 uploads, Incus unreachable for 2 minutes")
class UplinkLocalCrashChaosIT {

  private static final int TASKS = 200;
  private static final Duration OUTAGE =
      Duration.ofSeconds(Long.getLong("uplink.chaos.outage.seconds", 120));
  private static final Duration DRAIN = Duration.ofMinutes(5);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** Where each upload goes and what it holds; the ids the API answered for its key. */
  private record Upload(int index, String path, Path file, Set<String> ids) {}

  @Test
  void everyTaskEndsDoneByteIdenticalWithinMinutesOfTheLastFault(@TempDir Path dir)
      throws Exception {
    int apiPort = TcpForwarder.freePort();
    var environment = new HashMap<String, String>();
    String api = "http://127.0.0.1:" + apiPort + "/v1/uploads";
    var accepted = new AtomicInteger();
    UplinkLocalProcess stack = null;
    try (var incus = ForwardedIncus.require("crash-chaos")) {
      ExecutorService clients = Executors.newFixedThreadPool(4);
      environment.putAll(incus.environment());
      environment.putAll(
          Map.of(
              "UPLINK_PORT", Integer.toString(apiPort),
              "UPLINK_DATA_DIR", dir.resolve("data").toString(),
              "UPLINK_LOG_FORMAT", "text"));
      List<Upload> uploads = files(dir.resolve("files"), incus.root());
      incus.mend();
      try {
        stack = start(dir, 1, environment);
        List<Future<?>> sending = new ArrayList<>();
        for (Upload upload : uploads) {
          sending.add(clients.submit(() -> send(api, incus.instance(), upload, accepted)));
        }

        awaitCount(accepted, 40);
        stack.close(); // kill -9, uploads in flight
        stack = start(dir, 2, environment);

        awaitCount(accepted, 80);
        incus.cut(); // Incus unreachable: refused, open connections cut
        long outageBegan = System.nanoTime();

        awaitCount(accepted, 130);
        stack.close(); // kill -9 again, during the outage
        stack = start(dir, 3, environment);

        for (Future<?> upload : sending) {
          upload.get();
        }
        Thread.sleep(
            Math.max(0, OUTAGE.toMillis() - (System.nanoTime() - outageBegan) / 1_000_000));
        incus.mend(); // the last fault ends
        long lastFault = System.nanoTime();

        awaitAllDone(api, uploads, lastFault);
        long drained = (System.nanoTime() - lastFault) / 1_000_000;

        for (Upload upload : uploads) {
          assertThat(upload.ids()).as("tasks for key %d", upload.index()).hasSize(1);
          incus.assertHolds(upload.path(), upload.file());
        }
        assertThat(tasksUnder(api, incus.instance(), incus.root()))
            .as("tasks the owner sees under %s: one per upload, no duplicate", incus.root())
            .isEqualTo(TASKS);
        incus
            .hostRoot()
            .ifPresent(tree -> assertThat(stagingFilesIn(tree)).as("staging files left").isEmpty());
        System.out.printf(
            "%d uploads through 2 kills and a %d s Incus outage: all DONE %d ms after the last"
                + " fault%n",
            TASKS, OUTAGE.toSeconds(), drained);
        assertThat(stack.stop()).as("exit code on SIGTERM").isZero();
      } finally {
        clients.shutdownNow();
        if (stack != null) {
          stack.close();
        }
      }
    }
  }

  private static UplinkLocalProcess start(Path dir, int run, Map<String, String> environment)
      throws Exception {
    return UplinkLocalProcess.start(
        Files.createDirectories(dir.resolve("run-" + run)), new HashMap<>(environment));
  }

  /** 200 files: most small, every 25th 9 MiB (a streamed upload of two parts). */
  private static List<Upload> files(Path dir, String root) throws IOException {
    Files.createDirectories(dir);
    var random = new Random(16);
    var uploads = new ArrayList<Upload>();
    for (int i = 0; i < TASKS; i++) {
      int size = i % 25 == 0 ? 9 * 1024 * 1024 : 1 + random.nextInt(256 * 1024);
      byte[] content = new byte[size];
      random.nextBytes(content);
      Path file = Files.write(dir.resolve(i + ".bin"), content);
      uploads.add(
          new Upload(
              i, root + "/d" + (i % 7) + "/" + i + ".bin", file, ConcurrentHashMap.newKeySet()));
    }
    return uploads;
  }

  /**
   * Sends {@code upload} until the API accepts it, with one {@code Idempotency-Key} throughout: a
   * crash may cut the request off before or after the task was recorded.
   */
  private Void send(String api, String instance, Upload upload, AtomicInteger accepted)
      throws Exception {
    String target =
        api
            + "?container=%s&path=%s"
                .formatted(instance, URLEncoder.encode(upload.path(), StandardCharsets.UTF_8));
    var request =
        HttpRequest.newBuilder(URI.create(target))
            .timeout(Duration.ofSeconds(60))
            .header("Authorization", "Bearer " + UplinkLocal.DEV_API_KEY)
            .header("Idempotency-Key", "crash-chaos-" + upload.index())
            .header("Content-Type", "application/octet-stream")
            .POST(HttpRequest.BodyPublishers.ofFile(upload.file()))
            .build();
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (true) {
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 202 || response.statusCode() == 200) {
          upload.ids().add(JSON.readTree(response.body()).path("id").asText());
          accepted.incrementAndGet();
          return null;
        }
        assertThat(response.statusCode())
            .as("upload %d: only an outage may refuse it: %s", upload.index(), response.body())
            .isIn(408, 429, 500, 502, 503);
      } catch (IOException e) {
        // the stack is down or was killed mid-request: try again with the same key
      }
      assertThat(System.nanoTime()).as("upload %d accepted", upload.index()).isLessThan(deadline);
      Thread.sleep(250);
    }
  }

  private static void awaitCount(AtomicInteger count, int atLeast) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (count.get() < atLeast) {
      assertThat(System.nanoTime())
          .as("%d uploads accepted, waiting for %d", count.get(), atLeast)
          .isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private void awaitAllDone(String api, List<Upload> uploads, long lastFault) throws Exception {
    List<Upload> waiting = new ArrayList<>(uploads);
    JsonNode last = null;
    while (!waiting.isEmpty()) {
      String id = waiting.get(0).ids().iterator().next();
      last = get(api + "/" + id);
      String status = last.path("status").asText();
      assertThat(status).as("task %s", last).isIn("PENDING", "PROCESSING", "DONE");
      if (status.equals("DONE")) {
        waiting.remove(0);
        continue;
      }
      assertThat(System.nanoTime() - lastFault)
          .as("%d tasks not DONE %s after the last fault; e.g. %s", waiting.size(), DRAIN, last)
          .isLessThan(DRAIN.toNanos());
      Thread.sleep(250);
    }
  }

  /** How many of the owner's tasks in {@code instance} go under {@code root}, all pages read. */
  private int tasksUnder(String api, String instance, String root) throws Exception {
    int count = 0;
    String cursor = null;
    do {
      JsonNode page =
          get(
              api
                  + "?container="
                  + instance
                  + "&limit=100"
                  + (cursor == null ? "" : "&cursor=" + cursor));
      for (JsonNode task : page.path("items")) {
        if (task.path("path").asText().startsWith(root + "/")) {
          count++;
        }
      }
      cursor = page.path("nextCursor").isTextual() ? page.path("nextCursor").asText() : null;
    } while (cursor != null);
    return count;
  }

  private JsonNode get(String url) throws Exception {
    var request =
        HttpRequest.newBuilder(URI.create(url))
            .header("Authorization", "Bearer " + UplinkLocal.DEV_API_KEY)
            .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET %s: %s", url, response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private static List<Path> stagingFilesIn(Path tree) {
    try (Stream<Path> files = Files.walk(tree)) {
      return files.filter(f -> f.getFileName().toString().startsWith(".uplink-")).toList();
    } catch (IOException e) {
      throw new AssertionError("cannot walk " + tree, e);
    }
  }
}
