package dev.uplink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.testing.MotoServer;
import dev.uplink.infra.AwsProvisioner;
import dev.uplink.processor.PushException;
import dev.uplink.processor.incus.IncusClient;
import dev.uplink.processor.incus.IncusTestEnvironment;
import dev.uplink.processor.incus.TcpForwarder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * {@code uplink api} and {@code uplink processor} as two services of their own, the way the README
 * runs them, against moto_server (an AWS implementation of its own, not our emulators) whose
 * bucket, queues and table {@code template.yaml} declares ({@link AwsProvisioner}), pushing into
 * the real Incus instance. The processor reaches Incus through a forwarder this test can close, to
 * dead-letter tasks. The tests run in order, on one pair of services.
 */
@DisplayName("uplink api and uplink processor as services on moto_server and a real incusd")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServicesOnMotoIT {

  private static final Duration DEADLINE = Duration.ofSeconds(45);
  private static final String KEY = "it-key";
  private static final String OPERATOR_KEY = "it-operator-key";

  /** The README, read from the module's parent (Failsafe runs in the module's directory). */
  private static final Path README = Path.of("..", "README.md");

  @TempDir static Path dir;

  /** Why the stack cannot run here (only ever set outside CI), or null. */
  private static String unavailable;

  private static MotoServer moto;
  private static IncusTestEnvironment incus;
  private static IncusClient incusApi;
  private static TcpForwarder incusReachable;
  private static int incusPort;
  private static String root;

  private static Map<String, String> apiEnvironment;
  private static Map<String, String> processorEnvironment;
  private static URI apiUrl;
  private static URI processorHealth;
  private static ServiceProcess api;
  private static ServiceProcess processor;

  /** What an operator's or a user's shell holds: the services' AWS settings and the API's key. */
  private static Map<String, String> shell;

  @BeforeAll
  static void startServices() throws Exception {
    try {
      incus = IncusTestEnvironment.require();
      moto = MotoServer.require();
    } catch (TestAbortedException e) {
      unavailable = e.getMessage();
      return;
    }
    incusApi = new IncusClient(incus.settings());
    byte[] suffix = new byte[6];
    new Random().nextBytes(suffix);
    root = "/srv/services-it-" + HexFormat.of().formatHex(suffix);
    incusPort = TcpForwarder.freePort();
    mendIncus();

    String name = "it-" + UUID.randomUUID().toString().substring(0, 8);
    var aws = new HashMap<String, String>();
    aws.put("AWS_REGION", MotoServer.REGION);
    aws.put("AWS_ACCESS_KEY_ID", "test");
    aws.put("AWS_SECRET_ACCESS_KEY", "test");
    aws.put("UPLINK_S3_ENDPOINT", moto.endpoint().toString());
    aws.put("UPLINK_SQS_ENDPOINT", moto.endpoint().toString());
    aws.put("UPLINK_DYNAMODB_ENDPOINT", moto.endpoint().toString());
    aws.put("UPLINK_BUCKET", name + "-uploads");
    aws.put("UPLINK_QUEUE", name + "-tasks");
    aws.put("UPLINK_DLQ", name + "-tasks-dlq");
    aws.put("UPLINK_TABLE", name + "-tasks");
    // Two receives, a second of backoff: a task whose Incus is unreachable is FAILED in seconds.
    aws.put("UPLINK_MAX_RECEIVE_COUNT", "2");
    aws.put("UPLINK_MAX_BACKOFF", "1");
    aws.put("UPLINK_VISIBILITY_TIMEOUT", "5");
    aws.put("UPLINK_SHUTDOWN_GRACE", "10");
    provision(aws);

    var common = new HashMap<>(aws);
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
    processorEnvironment.put("UPLINK_INCUS_URL", "https://127.0.0.1:" + incusPort);
    processorEnvironment.put("UPLINK_INCUS_CERT", incus.clientCert().toString());
    processorEnvironment.put("UPLINK_INCUS_KEY", incus.clientKey().toString());
    processorEnvironment.put("UPLINK_INCUS_SERVER_CERT", incus.serverCert().toString());
    processorEnvironment.put("UPLINK_METRICS_PORT", Integer.toString(metricsPort));
    processorHealth = URI.create("http://127.0.0.1:" + metricsPort + "/healthz");

    shell = new HashMap<>(aws);
    shell.put("UPLINK_API_URL", apiUrl.toString());
    shell.put("UPLINK_API_KEY", KEY);

    api = startApi();
    processor = startProcessor();
  }

  private static void provision(Map<String, String> aws) {
    UplinkConfig config = UplinkConfig.fromEnvironment(aws);
    try (AwsClients clients = AwsClients.create(config.aws())) {
      new AwsProvisioner(clients).provision(config);
    }
  }

  private static ServiceProcess startApi() throws Exception {
    return ServiceProcess.start(
        "api", dir.resolve("api"), apiEnvironment, apiUrl.resolve("/healthz"));
  }

  private static ServiceProcess startProcessor() throws Exception {
    return ServiceProcess.start(
        "processor", dir.resolve("processor"), processorEnvironment, processorHealth);
  }

  @AfterAll
  static void stopServices() throws Exception {
    try {
      for (ServiceProcess service : new ServiceProcess[] {api, processor}) {
        if (service != null) {
          service.close();
        }
      }
      breakIncus();
      if (moto != null) {
        moto.close();
      }
    } finally {
      if (incusApi != null) {
        try {
          incus.deleteTree(incusApi, root);
        } finally {
          incusApi.close();
        }
      }
    }
  }

  @BeforeEach
  void requireTheStack() {
    Assumptions.assumeTrue(unavailable == null, unavailable);
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

    UplinkJar.Run streamed = upload(small, root + "/streamed.bin", "--wait");
    UplinkJar.Run direct = upload(presigned, root + "/presigned.bin", "--presigned", "--wait");

    assertThat(streamed.exitCode()).as("uplink upload --wait; %s", streamed).isZero();
    assertThat(streamed.stdout()).as("uplink upload; %s", streamed).contains("  DONE  ");
    assertThat(direct.exitCode()).as("uplink upload --presigned --wait; %s", direct).isZero();
    assertThat(direct.stdout()).as("uplink upload --presigned; %s", direct).contains("  DONE  ");
    assertDelivered(small, root + "/streamed.bin");
    assertDelivered(presigned, root + "/presigned.bin");
  }

  @Test
  @Order(2)
  @DisplayName("the API serves its probes, its metrics, the operators' endpoints and the web page")
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
      assertThat(dlq.statusCode()).as("GET /v1/dlq on moto: %s", dlq.body()).isEqualTo(200);
      HttpResponse<String> page = get(http, "/", null);
      assertThat(page.statusCode()).as("the web page").isEqualTo(200);
      assertThat(page.body()).as("the web page").contains("<html");
    }
  }

  @Test
  @Order(3)
  @DisplayName(
      "a poison message and a task whose Incus stays unreachable are dead-lettered; dlq list shows"
          + " them and redrive sends the task back by receive, send and delete (moto has no message"
          + " moves), to DONE")
  void deadLettersOnMoto() throws Exception {
    try (AwsClients clients = AwsClients.create(UplinkConfig.fromEnvironment(shell).aws())) {
      SqsClient sqs = clients.sqs();
      String queueUrl = clients.queueUrl();
      sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody("not a task message"));
    }
    breakIncus();
    Path file = file("dead.bin", 4096);
    UplinkJar.Run sent = upload(file, root + "/dead.bin");
    assertThat(sent.exitCode()).as("upload; %s", sent).isZero();
    String id = sent.stdout().split(" ", 2)[0];
    assertThat(awaitFinished(id).path("status").asText()).as("status").isEqualTo("FAILED");

    JsonNode listing = awaitDeadLetters(id);
    assertThat(messages(listing).map(m -> m.path("kind").asText()))
        .as("kinds of the dead-lettered messages: %s", listing)
        .contains("TASK", "NOT_A_TASK");
    UplinkJar.Run table = uplink("dlq", "list");
    assertThat(table.exitCode()).as("dlq list; %s", table).isZero();
    assertThat(table.stdout()).as("dlq list; %s", table).contains(id);
    UplinkJar.Run show = uplink("dlq", "show", id);
    assertThat(show.exitCode()).as("dlq show; %s", show).isZero();

    mendIncus();
    UplinkJar.Run redrive = uplink("dlq", "redrive", "--all");
    assertThat(redrive.exitCode()).as("dlq redrive --all; %s", redrive).isZero();
    assertThat(redrive.stdout())
        .as("dlq redrive --all says how; %s", redrive)
        .contains("RECEIVE_SEND_DELETE", "cannot move messages by itself");
    assertThat(awaitFinished(id).path("status").asText()).as("after redrive").isEqualTo("DONE");
    assertDelivered(file, root + "/dead.bin");
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
                    "/v1/uploads?container=" + incus.instance() + "&path=" + root + "/held.bin"))
            .header("Authorization", "Bearer " + KEY)
            .header("Content-Type", "application/octet-stream")
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> held(head, go, tail)))
            .build();
    try (HttpClient http = HttpClient.newHttpClient()) {
      CompletableFuture<HttpResponse<String>> uploading =
          http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
      Thread.sleep(1_000); // the head is in the API
      CompletableFuture<Integer> stopping =
          CompletableFuture.supplyAsync(ServicesOnMotoIT::stopApi);
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
      assertDelivered(expected, root + "/held.bin");
    }
  }

  @Test
  @Order(5)
  @DisplayName("SIGTERM: the processor exits 0 and a task queued meanwhile is DONE after a restart")
  void processorStopsGracefully() throws Exception {
    Path file = file("during-stop.bin", 8 * 1024 * 1024);
    UplinkJar.Run sent = upload(file, root + "/during-stop.bin");
    assertThat(sent.exitCode()).as("upload; %s", sent).isZero();
    String id = sent.stdout().split(" ", 2)[0];

    assertThat(processor.stop()).as("the processor's exit code; %s", processor.output()).isZero();
    processor = startProcessor();

    assertThat(awaitFinished(id).path("status").asText()).as("status").isEqualTo("DONE");
    assertDelivered(file, root + "/during-stop.bin");
    assertThat(processor.stdout().lines())
        .as("the processor logs JSON lines only on stdout")
        .allSatisfy(line -> assertThat(line).startsWith("{"));
  }

  // --- helpers -----------------------------------------------------------------------------------

  private static int stopApi() {
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

  private static Path file(String name, int size) throws IOException {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return Files.write(dir.resolve(name), bytes);
  }

  private static UplinkJar.Run uplink(String... args) {
    return UplinkJar.run(shell, args);
  }

  private static UplinkJar.Run upload(Path file, String path, String... options) {
    var args =
        new ArrayList<String>(
            List.of("upload", file.toString(), "--container", incus.instance(), "--path", path));
    args.addAll(List.of(options));
    return uplink(args.toArray(String[]::new));
  }

  private static HttpResponse<String> get(HttpClient http, String path, String key)
      throws Exception {
    var request = HttpRequest.newBuilder(apiUrl.resolve(path));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The task once DONE, FAILED or CANCELLED, long-polled from the API. */
  private static JsonNode awaitFinished(String id) throws Exception {
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

  /** {@code dlq list --json}, until it shows the task's message and a poison one. */
  private static JsonNode awaitDeadLetters(String taskId) throws Exception {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (true) {
      UplinkJar.Run run = uplink("dlq", "list", "--json");
      assertThat(run.exitCode()).as("dlq list --json on moto; %s", run).isZero();
      JsonNode listing = Json.parse(run.stdout()).orElseThrow(() -> new AssertionError(run));
      boolean task = messages(listing).anyMatch(m -> taskId.equals(m.path("taskId").asText()));
      boolean poison =
          messages(listing).anyMatch(m -> "NOT_A_TASK".equals(m.path("kind").asText()));
      if (task && poison) {
        return listing;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not dead-lettered within " + DEADLINE + ": " + listing);
      }
      Thread.sleep(1_000);
    }
  }

  private static Stream<JsonNode> messages(JsonNode listing) {
    return StreamSupport.stream(listing.path("messages").spliterator(), false);
  }

  private static void assertDelivered(Path file, String path) throws IOException, PushException {
    assertThat(incusApi.readFile(incus.instance(), path))
        .as("%s in the instance", path)
        .isEqualTo(Files.readAllBytes(file));
  }

  private static void mendIncus() throws IOException {
    if (incusReachable == null) {
      incusReachable =
          TcpForwarder.start(
              incusPort, new InetSocketAddress(incus.url().getHost(), incus.url().getPort()));
    }
  }

  private static void breakIncus() throws IOException {
    if (incusReachable != null) {
      incusReachable.close();
      incusReachable = null;
    }
  }
}
