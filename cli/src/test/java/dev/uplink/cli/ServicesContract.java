package dev.uplink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.domain.TaskId;
import dev.uplink.processor.incus.TcpForwarder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * {@code uplink api} and {@code uplink processor} as two services of their own, the way the README
 * runs them (the packaged jar, an environment each, stopped with SIGTERM), pushing into the real
 * Incus instance through a forwarder this test can cut ({@link ForwardedIncus}). What AWS is
 * differs by subclass ({@link #startAws}): moto_server, or our emulators started by {@code uplink
 * local --emulators-only}; the scenarios are the same. The tests run in order, on one pair of
 * services.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class ServicesContract {

  private static final Duration DEADLINE = Duration.ofSeconds(45);
  private static final String KEY = "it-key";
  private static final String OPERATOR_KEY = "it-operator-key";

  /** The README, read from the module's parent (Failsafe runs in the module's directory). */
  private static final Path README = Path.of("..", "README.md");

  /** The README section whose example runs against the processor here. */
  static final String README_METRICS = "Metrics";

  /**
   * How the queues are made and the services told: two receives, a second of backoff, so a task
   * whose Incus is unreachable is FAILED and dead-lettered within seconds.
   */
  static final Map<String, String> QUEUE_SETTINGS =
      Map.of("UPLINK_MAX_RECEIVE_COUNT", "2", "UPLINK_VISIBILITY_TIMEOUT", "5");

  /** Where AWS is for this run: its bucket, queues and table exist, made with QUEUE_SETTINGS. */
  interface Aws extends AutoCloseable {

    /**
     * What a shell needs to reach it: region, credentials, endpoints, resource names and the
     * queue's settings.
     */
    Map<String, String> environment();
  }

  /**
   * Starts this subclass's AWS, its resources provisioned as {@code template.yaml} declares with
   * {@link #QUEUE_SETTINGS}.
   *
   * @throws TestAbortedException when it cannot run here (never under {@code CI=true})
   */
  abstract Aws startAws(Path dir) throws Exception;

  /**
   * Why {@code dlq redrive --all} sends messages back one by one here, with a message that is not a
   * task in the dead-letter queue: the start of the {@code Method:} line's reason.
   */
  abstract String whyRedriveLoops();

  private Path dir;

  /** Why the stack cannot run here (only ever set outside CI), or null. */
  private String unavailable;

  private ForwardedIncus incus;
  private Aws aws;
  private Map<String, String> apiEnvironment;
  private Map<String, String> processorEnvironment;
  private URI apiUrl;
  private URI processorMetrics;
  private ServiceProcess api;
  private ServiceProcess processor;

  /** What an operator's or a user's shell holds: the services' AWS settings and the API's key. */
  private Map<String, String> shell;

  @BeforeAll
  void startServices(@TempDir Path tempDir) throws Exception {
    dir = tempDir;
    try {
      incus = ForwardedIncus.require("services-it");
      aws = startAws(dir);
    } catch (TestAbortedException e) {
      unavailable = e.getMessage();
      return;
    }
    incus.mend();

    var common = new HashMap<>(aws.environment());
    common.put("UPLINK_MAX_BACKOFF", "1");
    common.put("UPLINK_SHUTDOWN_GRACE", "10");
    byte[] seal = new byte[32];
    new Random().nextBytes(seal);
    common.put("UPLINK_TASK_SEAL_KEY", HexFormat.of().formatHex(seal));

    int apiPort = TcpForwarder.freePort();
    apiEnvironment = new HashMap<>(common);
    apiEnvironment.put("UPLINK_LISTEN", "127.0.0.1:" + apiPort);
    apiEnvironment.put("UPLINK_API_KEYS", KEY + "=it@*:/");
    apiEnvironment.put("UPLINK_OPERATOR_KEYS", OPERATOR_KEY + "=ops");
    apiUrl = URI.create("http://127.0.0.1:" + apiPort);

    int metricsPort = TcpForwarder.freePort();
    processorEnvironment = new HashMap<>(common);
    processorEnvironment.putAll(incus.environment());
    processorEnvironment.put("UPLINK_METRICS_PORT", Integer.toString(metricsPort));
    processorMetrics = URI.create("http://127.0.0.1:" + metricsPort);

    shell = new HashMap<>(aws.environment());
    shell.put("UPLINK_API_URL", apiUrl.toString());
    shell.put("UPLINK_API_KEY", KEY);

    // Both at once: each waits for its JVM and its /healthz, which is most of the setup.
    CompletableFuture<ServiceProcess> starting = CompletableFuture.supplyAsync(this::startApiNow);
    try {
      processor = startProcessor();
    } catch (Exception | AssertionError e) {
      starting.thenAccept(ServiceProcess::close);
      throw e;
    }
    api = starting.join();
  }

  private ServiceProcess startApiNow() {
    try {
      return startApi();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private ServiceProcess startApi() throws Exception {
    return ServiceProcess.start(
        "api", dir.resolve("api"), apiEnvironment, apiUrl.resolve("/healthz"));
  }

  private ServiceProcess startProcessor() throws Exception {
    return ServiceProcess.start(
        "processor",
        dir.resolve("processor"),
        processorEnvironment,
        processorMetrics.resolve("/healthz"));
  }

  @AfterAll
  void stopServices() throws Exception {
    try {
      for (ServiceProcess service : new ServiceProcess[] {api, processor}) {
        if (service != null) {
          service.close();
        }
      }
      if (aws != null) {
        aws.close();
      }
    } finally {
      if (incus != null) {
        incus.close();
      }
    }
  }

  @BeforeEach
  void requireTheStack() {
    Assumptions.assumeTrue(unavailable == null, unavailable);
  }

  /**
   * A test that cut Incus and failed before mending it leaves the next ones an Incus that works.
   */
  @AfterEach
  void incusAnswers() throws IOException {
    if (incus != null) {
      incus.mend();
    }
  }

  @Test
  @Order(0)
  @DisplayName(
      "the README's environment files for the two services name only variables this test gives"
          + " them (values aside)")
  void theReadmeShowsWhatIsTested() throws IOException {
    String readme = Files.readString(README);
    int start = readme.indexOf("## Run the API and the processor as services");
    assertThat(start).as("the README's section on services").isNotNegative();
    String section = readme.substring(start, readme.indexOf("\n## ", start + 1));

    assertThat(variablesOf(section, "/etc/uplink/api.env"))
        .as("the README's api.env")
        .isNotEmpty()
        .isSubsetOf(apiEnvironment.keySet());
    assertThat(variablesOf(section, "/etc/uplink/processor.env"))
        .as("the README's processor.env")
        .isNotEmpty()
        .isSubsetOf(processorEnvironment.keySet());
    assertThat(section)
        .as("the commands this test runs")
        .contains("java -jar uplink.jar api", "java -jar uplink.jar processor");
  }

  /** The variables assigned in the block of lines after the comment naming {@code file}. */
  private static List<String> variablesOf(String section, String file) {
    int from = section.indexOf("# " + file);
    assertThat(from).as("the block of %s", file).isNotNegative();
    var names = new ArrayList<String>();
    for (String line : section.substring(from).lines().skip(1).toList()) {
      if (line.isBlank() || line.startsWith("```")) {
        break;
      }
      names.add(line.substring(0, line.indexOf('=')));
    }
    return names;
  }

  @Test
  @Order(1)
  @DisplayName("a streamed upload and a presigned PUT reach DONE, byte for byte in the instance")
  void streamedAndPresignedUploads() throws Exception {
    Path small = file("streamed.bin", 300 * 1024);
    Path presigned = file("presigned.bin", 2 * 1024 * 1024 + 5);

    CompletableFuture<UplinkJar.Run> uploading =
        CompletableFuture.supplyAsync(() -> upload(small, incus.path("streamed.bin"), "--wait"));
    UplinkJar.Run direct = upload(presigned, incus.path("presigned.bin"), "--presigned", "--wait");
    UplinkJar.Run streamed = uploading.join();

    assertThat(streamed.exitCode()).as("uplink upload --wait; %s", streamed).isZero();
    assertThat(streamed.stdout()).as("uplink upload; %s", streamed).contains("  DONE  ");
    assertThat(direct.exitCode()).as("uplink upload --presigned --wait; %s", direct).isZero();
    assertThat(direct.stdout()).as("uplink upload --presigned; %s", direct).contains("  DONE  ");
    incus.assertHolds(incus.path("streamed.bin"), small);
    incus.assertHolds(incus.path("presigned.bin"), presigned);
  }

  @Test
  @Order(2)
  @DisplayName(
      "the API serves its probes, its metrics, the operators' endpoints and the web page; the"
          + " processor counts its tasks on its metrics port")
  void probesMetricsOperatorsAndWebPage() throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> ready = get(http, "/readyz", OPERATOR_KEY);
      assertThat(ready.statusCode()).as("/readyz: %s", ready.body()).isEqualTo(200);
      assertThat(Json.parse(ready.body()).orElseThrow().path("checks").fieldNames())
          .toIterable()
          .as("checks")
          .containsExactlyInAnyOrder("s3", "sqs", "dynamodb");
      HttpResponse<String> metrics = get(http, "/metrics", null);
      assertThat(metrics.statusCode()).as("/metrics").isEqualTo(200);
      assertThat(metrics.body()).as("/metrics").contains("jvm_memory_used_bytes");
      HttpResponse<String> dlq = get(http, "/v1/dlq", OPERATOR_KEY);
      assertThat(dlq.statusCode()).as("GET /v1/dlq: %s", dlq.body()).isEqualTo(200);
      HttpResponse<String> page = get(http, "/", null);
      assertThat(page.statusCode()).as("the web page").isEqualTo(200);
      assertThat(page.body()).as("the web page").contains("<html");

      HttpResponse<String> counted =
          http.send(
              HttpRequest.newBuilder(processorMetrics.resolve("/metrics")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(counted.body().lines())
          .as("the processor's /metrics after the two uploads")
          .anySatisfy(line -> assertThat(line).matches("uplink_tasks_done_total(\\{.*})? 2\\.0"));
    }
    assertThat(
            runReadmeSection(
                README_METRICS, Map.of("POLLER-HOST:9464", processorMetrics.getAuthority())))
        .as("the README's Metrics example, against this processor")
        .contains("uplink_tasks_done_total");
  }

  /**
   * Runs the README section's bash blocks in bash, {@code replacements} made, and returns their
   * output; fails unless they succeed.
   */
  private String runReadmeSection(String section, Map<String, String> replacements)
      throws Exception {
    List<ReadmeExamples.Example> examples =
        ReadmeExamples.in(Files.readString(README), List.of(section));
    String script =
        ReadmeExamples.script(examples, replacements, dir.resolve(section + ".progress"));
    Process bash = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).start();
    String output = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(bash.waitFor(30, TimeUnit.SECONDS))
        .as("the README's %s example ends", section)
        .isTrue();
    assertThat(bash.exitValue()).as("the README's %s example: %s", section, output).isZero();
    return output;
  }

  @Test
  @Order(3)
  @DisplayName(
      "a message that is not a task is dead-lettered, one whose task does not exist dropped; tasks"
          + " whose Incus stays unreachable are dead-lettered, dlq list and show them, and retry"
          + " and redrive --all (saying how it sent them) deliver them")
  void deadLetters() throws Exception {
    String unknownTask = TaskId.newId().value();
    try (AwsClients clients = AwsClients.create(UplinkConfig.fromEnvironment(shell).aws())) {
      SqsClient sqs = clients.sqs();
      String queueUrl = clients.queueUrl();
      sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody("not a task message"));
      sqs.sendMessage(
          r -> r.queueUrl(queueUrl).messageBody("{\"task_id\":\"" + unknownTask + "\"}"));
    }
    incus.cut();
    Path redriven = file("redriven.bin", 4096);
    Path retried = file("retried.bin", 5000);
    CompletableFuture<UplinkJar.Run> uploading =
        CompletableFuture.supplyAsync(() -> upload(redriven, incus.path("redriven.bin")));
    String b = queued(upload(retried, incus.path("retried.bin")));
    String a = queued(uploading.join());
    assertThat(awaitFinished(a).path("status").asText()).as("status of a").isEqualTo("FAILED");
    assertThat(awaitFinished(b).path("status").asText()).as("status of b").isEqualTo("FAILED");

    JsonNode listing = awaitDeadLetters(Set.of(a, b));
    assertThat(messages(listing))
        .as("the dead-lettered messages: %s", listing)
        .anySatisfy(m -> assertThat(m.path("kind").asText()).isEqualTo("NOT_A_TASK"))
        .noneSatisfy(m -> assertThat(m.path("taskId").asText()).isEqualTo(unknownTask));
    // Others may be there too: delivery is at least once, and with two receives a copy received
    // while its task was being pushed (put back twice) is dead-lettered; redrive deletes it.
    assertThat(processor.stdout())
        .as("the processor's log")
        .contains("task " + unknownTask + " does not exist; dropping it");
    UplinkJar.Run table = uplink("dlq", "list");
    assertThat(table.exitCode()).as("dlq list; %s", table).isZero();
    assertThat(table.stdout().lines())
        .as("dlq list; %s", table)
        .anySatisfy(row -> assertThat(row).startsWith(a + "  ").contains("INCUS_UNAVAILABLE: "))
        .anySatisfy(row -> assertThat(row).startsWith(b + "  ").contains("INCUS_UNAVAILABLE: "));
    UplinkJar.Run show = uplink("dlq", "show", a);
    assertThat(show.exitCode()).as("dlq show; %s", show).isZero();
    assertThat(show.stdout())
        .as("dlq show; %s", show)
        .contains("task:        " + a, "status:      FAILED", "PROCESSING -> FAILED");

    incus.mend();
    UplinkJar.Run retry = uplink("retry", b);
    assertThat(retry.exitCode()).as("retry; %s", retry).isZero();
    assertThat(retry.stdout()).as("retry; %s", retry).startsWith(b + "  PENDING  ");
    assertThat(awaitFinished(b).path("status").asText()).as("b after retry").isEqualTo("DONE");
    incus.assertHolds(incus.path("retried.bin"), retried);

    UplinkJar.Run redrive = uplink("dlq", "redrive", "--all");
    assertThat(redrive.exitCode()).as("dlq redrive --all; %s", redrive).isZero();
    assertThat(redrive.stdout().lines())
        .as("dlq redrive --all; %s", redrive)
        .anySatisfy(row -> assertThat(row).startsWith(a + "  ").contains("  RETRIED  "))
        .anySatisfy(row -> assertThat(row).startsWith(b + "  ").contains("  STALE_DELETED  "))
        .anySatisfy(
            line ->
                assertThat(line).startsWith("Method: RECEIVE_SEND_DELETE (" + whyRedriveLoops()));
    assertThat(awaitFinished(a).path("status").asText()).as("a after redrive").isEqualTo("DONE");
    incus.assertHolds(incus.path("redriven.bin"), redriven);
  }

  @Test
  @Order(4)
  @DisplayName("SIGTERM: the API finishes the upload in progress and exits 0; nothing is lost")
  void apiStopsGracefully() throws Exception {
    byte[] head = new byte[256 * 1024];
    byte[] tail = new byte[256 * 1024];
    new Random(4).nextBytes(head);
    new Random(5).nextBytes(tail);
    var go = new CountDownLatch(1);
    HttpRequest request =
        HttpRequest.newBuilder(
                apiUrl.resolve(
                    "/v1/uploads?container="
                        + incus.instance()
                        + "&path="
                        + incus.path("held.bin")))
            .header("Authorization", "Bearer " + KEY)
            .header("Content-Type", "application/octet-stream")
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> held(head, go, tail)))
            .build();
    try (HttpClient http = HttpClient.newHttpClient()) {
      CompletableFuture<HttpResponse<String>> uploading =
          http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
      Thread.sleep(1_000); // the head is in the API
      CompletableFuture<Integer> stopping = CompletableFuture.supplyAsync(this::stopApi);
      Thread.sleep(1_000);
      assertThat(api.isAlive()).as("the API waits for the upload in progress").isTrue();
      go.countDown();
      HttpResponse<String> response = uploading.get(20, TimeUnit.SECONDS);
      assertThat(response.statusCode()).as("the held upload: %s", response.body()).isEqualTo(202);
      assertThat(stopping.get(30, TimeUnit.SECONDS)).as("the API's exit code").isZero();
      String id = Json.parse(response.body()).orElseThrow().path("id").asText();
      assertThat(api.stderr())
          .as("the API's banner, on stderr")
          .startsWith("Uplink API on " + apiUrl + " (SIGTERM or Ctrl+C stops it)");
      assertThat(api.stdout().lines())
          .as("the API logs JSON lines only on stdout")
          .isNotEmpty()
          .allSatisfy(line -> assertThat(line).startsWith("{"));

      api = startApi();
      assertThat(awaitFinished(id).path("status").asText()).as("status").isEqualTo("DONE");
      Path expected = Files.write(dir.resolve("held.bin"), concat(head, tail));
      incus.assertHolds(incus.path("held.bin"), expected);
    }
  }

  @Test
  @Order(5)
  @DisplayName("SIGTERM: the processor exits 0 and a task queued meanwhile is DONE after a restart")
  void processorStopsGracefully() throws Exception {
    Path file = file("during-stop.bin", 8 * 1024 * 1024);
    String id = queued(upload(file, incus.path("during-stop.bin")));

    assertThat(processor.stop()).as("the processor's exit code; %s", processor.output()).isZero();
    processor = startProcessor();

    assertThat(awaitFinished(id).path("status").asText()).as("status").isEqualTo("DONE");
    incus.assertHolds(incus.path("during-stop.bin"), file);
    assertThat(processor.stdout().lines())
        .as("the processor logs JSON lines only on stdout")
        .allSatisfy(line -> assertThat(line).startsWith("{"));
  }

  // --- helpers -----------------------------------------------------------------------------------

  private int stopApi() {
    try {
      return api.stop();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static InputStream held(byte[] head, CountDownLatch go, byte[] tail) {
    InputStream rest =
        new InputStream() {
          private final InputStream bytes = new ByteArrayInputStream(tail);

          @Override
          public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            try {
              if (!go.await(30, TimeUnit.SECONDS)) {
                throw new IOException("never told to go on");
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new IOException(e);
            }
            return bytes.read(b, off, len);
          }
        };
    return new SequenceInputStream(new ByteArrayInputStream(head), rest);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = new byte[a.length + b.length];
    System.arraycopy(a, 0, both, 0, a.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }

  private Path file(String name, int size) throws IOException {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return Files.write(dir.resolve(name), bytes);
  }

  private UplinkJar.Run uplink(String... args) {
    return UplinkJar.run(shell, args);
  }

  private UplinkJar.Run upload(Path file, String path, String... options) {
    var args =
        new ArrayList<String>(
            List.of("upload", file.toString(), "--container", incus.instance(), "--path", path));
    args.addAll(List.of(options));
    return uplink(args.toArray(String[]::new));
  }

  /** The task id of an upload {@code uplink upload} queued (without {@code --wait}). */
  private static String queued(UplinkJar.Run upload) {
    assertThat(upload.exitCode()).as("upload; %s", upload).isZero();
    return upload.stdout().split(" ", 2)[0];
  }

  private HttpResponse<String> get(HttpClient http, String path, String key) throws Exception {
    var request = HttpRequest.newBuilder(apiUrl.resolve(path));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The task once DONE, FAILED or CANCELLED, long-polled from the API. */
  private JsonNode awaitFinished(String id) throws Exception {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    try (HttpClient http = HttpClient.newHttpClient()) {
      while (true) {
        HttpResponse<String> response = get(http, "/v1/uploads/" + id + "?wait=10", KEY);
        assertThat(response.statusCode()).as("GET %s: %s", id, response.body()).isEqualTo(200);
        JsonNode found = Json.parse(response.body()).orElseThrow();
        if (Task.FINISHED.contains(found.path("status").asText())) {
          return found;
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError(
              id + " did not finish within " + DEADLINE + ": " + found + processor.output());
        }
      }
    }
  }

  /**
   * The dead-letter queue as {@code GET /v1/dlq} lists it (what {@code dlq list --json} prints, the
   * same code), until it shows a message of each task and a poison one: polled over HTTP, since a
   * process per look would cost a JVM start each.
   */
  private JsonNode awaitDeadLetters(Set<String> taskIds) throws Exception {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    try (HttpClient http = HttpClient.newHttpClient()) {
      while (true) {
        HttpResponse<String> response = get(http, "/v1/dlq", OPERATOR_KEY);
        assertThat(response.statusCode()).as("GET /v1/dlq: %s", response.body()).isEqualTo(200);
        JsonNode listing = Json.parse(response.body()).orElseThrow();
        boolean tasks =
            taskIds.stream()
                .allMatch(
                    id -> messages(listing).anyMatch(m -> id.equals(m.path("taskId").asText())));
        boolean poison =
            messages(listing).anyMatch(m -> "NOT_A_TASK".equals(m.path("kind").asText()));
        if (tasks && poison) {
          return listing;
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("not dead-lettered within " + DEADLINE + ": " + listing);
        }
        Thread.sleep(500);
      }
    }
  }

  private static Stream<JsonNode> messages(JsonNode listing) {
    return StreamSupport.stream(listing.path("messages").spliterator(), false);
  }
}
