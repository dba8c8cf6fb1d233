package dev.uplink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.processor.PushException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/**
 * An operator's day, every command the packaged jar run as a process: {@code uplink local} runs the
 * stack with Incus behind a port where nothing listens, so uploads exhaust their retries and land
 * in the dead-letter queue; {@code uplink dlq} shows them; Incus is reached again (a TCP forwarder
 * opens on that port to the real incusd) and {@code uplink dlq redrive} and {@code uplink retry}
 * deliver them. The commands get nothing but what {@code uplink local}'s banner says to export. The
 * tests run in order, on one stack: each starts from the queue the one before left.
 */
@DisplayName("uplink dlq and uplink retry against uplink local and a real incusd")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeadLetterQueueIT {

  /**
   * Two receives, one second of backoff (and of hold while Incus is unreachable): a task is FAILED
   * within seconds.
   */
  private static final Map<String, String> FAST_RETRIES =
      Map.of(
          "UPLINK_MAX_RECEIVE_COUNT", "2",
          "UPLINK_MAX_BACKOFF", "1",
          "UPLINK_VISIBILITY_TIMEOUT", "5");

  private static final Duration DEADLINE = Duration.ofSeconds(45);

  @TempDir static Path dir;

  /** Why incusd cannot be used (only ever set outside CI), or null. */
  private static String unavailable;

  /** Incus behind the port {@code UPLINK_INCUS_URL} names: cut, or forwarded to incusd. */
  private static ForwardedIncus incus;

  private static UplinkLocalProcess local;

  /** What an operator's shell holds after pasting the banner's export lines. */
  private static Map<String, String> shell;

  /** An uploaded file: its task and where it goes. */
  private record Sent(String id, String path, Path file) {}

  @BeforeAll
  static void startStack() throws Exception {
    try {
      incus = ForwardedIncus.require("dlq-it"); // under CI=true, no incusd fails the class here
    } catch (TestAbortedException e) {
      // Aborting here would hide the tests from the report; each one skips with the reason.
      unavailable = e.getMessage();
      return;
    }
    var environment = new HashMap<>(FAST_RETRIES);
    environment.putAll(incus.environment());
    environment.putAll(
        Map.of(
            "UPLINK_PORT", "0",
            "UPLINK_DATA_DIR", dir.resolve("data").toString(),
            "UPLINK_LOG_FORMAT", "text"));
    local = UplinkLocalProcess.start(dir, environment);
    shell = local.exports();
  }

  @AfterAll
  static void stopStack() throws Exception {
    try {
      if (incus != null) {
        incus.cut();
      }
      if (local != null) {
        local.stop();
      }
    } finally {
      if (incus != null) {
        incus.close();
      }
    }
  }

  @BeforeEach
  void requireIncus() {
    Assumptions.assumeTrue(unavailable == null, unavailable);
  }

  @Test
  @Order(1)
  @DisplayName(
      "uploads that exhaust their retries are listed in the DLQ with their last error; once Incus"
          + " answers again, redrive --all delivers all of them byte for byte")
  void deadLetterRoundTrip() throws Exception {
    List<Sent> sent = uploadAll(Map.of("a.bin", 1025, "b.bin", 64 * 1024, "c.txt", 7));
    for (Sent task : sent) {
      JsonNode failed = awaitFinished(task);
      assertThat(failed.path("status").asText()).as("status of %s", task.id()).isEqualTo("FAILED");
      assertThat(failed.path("lastError").path("code").asText()).isEqualTo("INCUS_UNAVAILABLE");
    }
    Set<String> ids = Set.of(sent.get(0).id(), sent.get(1).id(), sent.get(2).id());

    JsonNode listing = awaitDeadLettered(ids);
    assertThat(listing.path("deadLetterQueue").path("queue").asText())
        .as("the dead-letter queue's name")
        .isEqualTo(shell.get("UPLINK_DLQ"));
    for (Sent task : sent) {
      JsonNode message = messageOf(listing, task.id()).orElseThrow();
      assertThat(message.path("kind").asText()).as("kind").isEqualTo("TASK");
      assertThat(message.path("taskStatus").asText()).as("task status").isEqualTo("FAILED");
      assertThat(message.path("container").asText()).isEqualTo(incus.instance());
      assertThat(message.path("path").asText()).isEqualTo(task.path());
      assertThat(message.path("attempts").asInt()).as("attempts").isEqualTo(2);
      assertThat(message.path("receiveCount").asInt()).as("receive count").isGreaterThan(2);
      assertThat(message.path("lastError").path("code").asText()).isEqualTo("INCUS_UNAVAILABLE");
      assertThat(message.path("lastError").path("message").asText())
          .as("last error")
          .startsWith("Incus at ");
      Instant first = Instant.parse(message.path("firstFailureAt").asText());
      Instant last = Instant.parse(message.path("lastFailureAt").asText());
      assertThat(first).as("first failure").isBefore(last);
    }

    UplinkJar.Run table = uplink("dlq", "list");
    assertThat(table.exitCode()).as("dlq list; %s", table).isZero();
    assertThat(table.stdout().lines())
        .as("dlq list; %s", table)
        .anySatisfy(
            line ->
                assertThat(line)
                    .startsWith("TASK ")
                    .contains("INSTANCE", "PATH", "ATTEMPTS", "RECEIVES", "LAST ERROR"));
    for (Sent task : sent) {
      assertThat(table.stdout().lines())
          .as("the row of %s; %s", task.id(), table)
          .anySatisfy(
              row ->
                  assertThat(row)
                      .startsWith(task.id() + "  ")
                      .contains(incus.instance(), task.path(), "INCUS_UNAVAILABLE: "));
    }

    UplinkJar.Run show = uplink("dlq", "show", sent.get(0).id().toLowerCase());
    assertThat(show.exitCode()).as("dlq show; %s", show).isZero();
    assertThat(show.stdout())
        .as("dlq show; %s", show)
        .contains(
            "task:        " + sent.get(0).id(),
            "status:      FAILED",
            "messages in the dead-letter queue:",
            "timeline:",
            "PROCESSING -> FAILED");

    incus.mend();
    UplinkJar.Run redrive = uplink("dlq", "redrive", "--all", "--json");
    assertThat(redrive.exitCode()).as("dlq redrive --all; %s", redrive).isZero();
    JsonNode report = Json.parse(redrive.stdout()).orElseThrow(() -> new AssertionError(redrive));
    assertThat(report.path("counts").path("RETRIED").asInt())
        .as("retried; %s", redrive)
        .isEqualTo(3);
    assertThat(report.path("items").findValuesAsText("taskId"))
        .as("the redriven tasks")
        .containsExactlyInAnyOrderElementsOf(ids);

    for (Sent task : sent) {
      JsonNode done = awaitFinished(task);
      assertThat(done.path("status").asText()).as("status after the redrive").isEqualTo("DONE");
      assertThat(done.path("attempts").asInt()).as("attempts: kept, and one more").isEqualTo(3);
      assertDelivered(task);
    }
    // The purge test below finds only its own message: these three left the queue.
  }

  @Test
  @Order(2)
  @DisplayName(
      "retry sends a FAILED task through again until DONE; retrying it then exits 1 with one line")
  void retry() throws Exception {
    incus.cut();
    Sent task = upload("retried.bin", 4096);
    assertThat(awaitFinished(task).path("status").asText()).as("status").isEqualTo("FAILED");

    incus.mend();
    UplinkJar.Run retry = uplink("retry", task.id());
    assertThat(retry.exitCode()).as("retry; %s", retry).isZero();
    assertThat(retry.stdout())
        .as("retry; %s", retry)
        .startsWith(task.id() + "  PENDING  " + incus.instance() + ":" + task.path() + "  queued");
    assertThat(awaitFinished(task).path("status").asText()).as("status").isEqualTo("DONE");
    assertDelivered(task);

    UplinkJar.Run again = uplink("retry", task.id());
    assertThat(again.exitCode()).as("retry of a DONE task; %s", again).isEqualTo(1);
    assertThat(again.stdout()).as("stdout").isEmpty();
    assertThat(again.stderrLines())
        .as("stderr")
        .containsExactly(
            "uplink: Task "
                + task.id()
                + " is DONE, not FAILED: only a FAILED task can be retried");
  }

  @Test
  @Order(3)
  @DisplayName("purge --older-than keeps younger messages, purge --yes deletes the rest")
  void purge() throws Exception {
    // The retried task's first message went on to the dead-letter queue: stale, its task DONE.
    JsonNode stale = awaitDeadLettered(Set.of(lastUpload().id()));
    assertThat(messages(stale)).as("dead-lettered messages").hasSize(1);
    assertThat(messages(stale).get(0).path("taskStatus").asText()).isEqualTo("DONE");

    UplinkJar.Run keep = uplink("dlq", "purge", "--older-than", "1h", "--yes");
    assertThat(keep.exitCode()).as("purge --older-than 1h; %s", keep).isZero();
    assertThat(keep.stdout()).contains("Purged: 0 deleted, 1 kept, 0 not deleted.");

    UplinkJar.Run purge = uplink("dlq", "purge", "--yes", "--json");
    assertThat(purge.exitCode()).as("purge --yes; %s", purge).isZero();
    JsonNode report = Json.parse(purge.stdout()).orElseThrow(() -> new AssertionError(purge));
    assertThat(report.path("deleted").asInt()).as("deleted; %s", purge).isEqualTo(1);
    assertThat(report.path("kept").asInt()).as("kept; %s", purge).isZero();
    assertThat(report.path("items").findValuesAsText("taskId")).containsExactly(lastUpload().id());
  }

  // --- helpers -----------------------------------------------------------------------------------

  private static final List<Sent> uploads = new CopyOnWriteArrayList<>();

  private static Sent lastUpload() {
    return uploads.get(uploads.size() - 1);
  }

  private static UplinkJar.Run uplink(String... args) {
    return UplinkJar.run(shell, args);
  }

  /** Uploads a file of random bytes to this run's directory; the task is queued, not awaited. */
  private static Sent upload(String name, int size) throws IOException {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    Path file = Files.write(dir.resolve(name), bytes);
    String path = incus.path(name);
    UplinkJar.Run run =
        uplink("upload", file.toString(), "--container", incus.instance(), "--path", path);
    assertThat(run.exitCode()).as("upload; %s", run).isZero();
    var sent = new Sent(run.stdout().split(" ", 2)[0], path, file);
    uploads.add(sent);
    return sent;
  }

  /** Uploads these files (name to size) at once, as three operators' users would. */
  private static List<Sent> uploadAll(Map<String, Integer> files) throws Exception {
    try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
      var uploading = new ArrayList<Future<Sent>>();
      files.forEach((name, size) -> uploading.add(executor.submit(() -> upload(name, size))));
      var sent = new ArrayList<Sent>();
      for (Future<Sent> upload : uploading) {
        sent.add(upload.get());
      }
      return sent;
    }
  }

  /**
   * The task once DONE, FAILED or CANCELLED, long-polled from the API in this JVM: waiting is not
   * what these tests are about, and a process per look would cost a JVM start each.
   */
  private static JsonNode awaitFinished(Sent task) throws Exception {
    URI uri = URI.create(shell.get("UPLINK_API_URL") + "/v1/uploads/" + task.id() + "?wait=20");
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .header("Authorization", "Bearer " + shell.get("UPLINK_API_KEY"))
            .build();
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    try (HttpClient http = HttpClient.newHttpClient()) {
      while (true) {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", uri, response.body()).isEqualTo(200);
        JsonNode found = Json.parse(response.body()).orElseThrow();
        if (Task.FINISHED.contains(found.path("status").asText())) {
          return found;
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError(task.id() + " did not finish within " + DEADLINE + ": " + found);
        }
      }
    }
  }

  /** {@code dlq list --json}, until it shows a message of each of {@code taskIds}. */
  private static JsonNode awaitDeadLettered(Set<String> taskIds) throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (true) {
      JsonNode listing = dlqList();
      if (taskIds.stream().allMatch(id -> messageOf(listing, id).isPresent())) {
        return listing;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "not all of " + taskIds + " reached the dead-letter queue: " + listing);
      }
      Thread.sleep(500);
    }
  }

  private static JsonNode dlqList() {
    UplinkJar.Run run = uplink("dlq", "list", "--json");
    assertThat(run.exitCode()).as("dlq list --json; %s", run).isZero();
    assertThat(run.stderr()).as("stderr of dlq list --json").isEmpty();
    return Json.parse(run.stdout()).orElseThrow(() -> new AssertionError(run));
  }

  private static List<JsonNode> messages(JsonNode listing) {
    return StreamSupport.stream(listing.path("messages").spliterator(), false).toList();
  }

  private static Optional<JsonNode> messageOf(JsonNode listing, String taskId) {
    return messages(listing).stream()
        .filter(message -> taskId.equals(message.path("taskId").asText()))
        .findFirst();
  }

  /** The file in the instance, read back through the Incus API, is the one uploaded. */
  private static void assertDelivered(Sent task) throws IOException, PushException {
    incus.assertHolds(task.path(), task.file());
  }
}
