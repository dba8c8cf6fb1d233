package dev.uplink.infra.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.api.UploadServices;
import dev.uplink.api.http.UploadApi;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.infra.testing.ChildJvm;
import dev.uplink.infra.testing.LocalAwsExtension;
import dev.uplink.infra.testing.PollerEnvironment;
import dev.uplink.infra.testing.QueueProbe;
import dev.uplink.infra.testing.TestFiles;
import dev.uplink.processor.PushException;
import dev.uplink.processor.incus.IncusClient;
import dev.uplink.processor.incus.IncusTestEnvironment;
import dev.uplink.processor.poller.PollerMain;
import java.io.IOException;
import java.io.InputStream;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The system under chaos: the emulators and the upload API in the test JVM, the processor as real
 * {@link PollerMain} child processes pointed at them, the real test incusd as the target.
 *
 * <p>Every poller ever started is remembered (killed ones too) so that log lines can be counted
 * across all of them. Files go under a fresh {@link #root()} directory in the instance, removed on
 * {@link #close()}.
 */
final class ChaosStack implements AutoCloseable {

  static final String API_KEY = "chaos-key";
  static final String OWNER = "chaos";
  static final Duration STARTUP = Duration.ofSeconds(60);

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration POLL = Duration.ofMillis(200);

  private final LocalAwsExtension aws;
  private final IncusTestEnvironment incus;
  private final Path workDir;
  private final Map<String, String> env;
  private final UploadApi api;
  private final URI base;
  private final HttpClient http;
  private final IncusClient incusApi;
  private final String root;
  private final List<ChildJvm> pollers = new CopyOnWriteArrayList<>();
  private final AtomicInteger pollerNumber = new AtomicInteger();
  private final Logger accessLog = (Logger) LoggerFactory.getLogger("dev.uplink.api.http.access");
  private final Level accessLevel = accessLog.getLevel();

  /**
   * Starts the API on this class's emulator resources.
   *
   * @param pollerEnv settings for every poller on top of the defaults (e.g. {@code UPLINK_WORKERS})
   */
  ChaosStack(
      LocalAwsExtension aws,
      IncusTestEnvironment incus,
      Path workDir,
      Map<String, String> pollerEnv) {
    this.aws = aws;
    this.incus = incus;
    this.workDir = workDir;
    this.env = Collections.unmodifiableMap(environment(aws, incus, workDir, pollerEnv));
    UplinkConfig config = UplinkConfig.fromEnvironment(env);
    // Thousands of status polls would drown the test output; restored on close().
    accessLog.setLevel(Level.WARN);
    this.api =
        UploadApi.start(
            "127.0.0.1", 0, Map.of(API_KEY, OWNER), UploadServices.onAws(config, aws.clients()));
    this.base = URI.create("http://127.0.0.1:" + api.port());
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    this.incusApi = new IncusClient(incus.settings());
    this.root = "/srv/chaos-" + TestFiles.randomSuffix();
  }

  /** The environment a poller gets: the emulators, this class's resources, the test incusd. */
  private static Map<String, String> environment(
      LocalAwsExtension aws,
      IncusTestEnvironment incus,
      Path workDir,
      Map<String, String> overrides) {
    var env = PollerEnvironment.of(aws, incus, workDir.resolve("data"));
    env.put("UPLINK_PORT", "0");
    env.put("UPLINK_WORKERS", "4");
    // Short retries and shutdowns so that every effect shows within a test's time.
    env.put("UPLINK_MAX_BACKOFF", "5");
    env.put("UPLINK_SHUTDOWN_GRACE", "10");
    env.putAll(overrides);
    return env;
  }

  /** The directory (in the instance) every file of this stack goes under. */
  String root() {
    return root;
  }

  String instance() {
    return incus.instance();
  }

  IncusTestEnvironment incus() {
    return incus;
  }

  IncusClient incusApi() {
    return incusApi;
  }

  LocalAwsExtension aws() {
    return aws;
  }

  Map<String, String> env() {
    return env;
  }

  /** Every poller started so far, killed ones included. */
  List<ChildJvm> pollers() {
    return List.copyOf(pollers);
  }

  // ---------------------------------------------------------------------------------------------
  // Pollers

  /** Starts a poller with the stack's environment and waits until it receives. */
  ChildJvm startPoller(String label) {
    return startPoller(label, Map.of());
  }

  /**
   * Starts a poller with {@code overrides} on top of the stack's environment; waits until ready.
   */
  ChildJvm startPoller(String label, Map<String, String> overrides) {
    ChildJvm poller = launchPoller(label, overrides);
    poller.awaitOutput(PollerLog.READY, STARTUP);
    return poller;
  }

  /** Starts a poller and returns at once (it may still be booting). */
  ChildJvm launchPoller(String label, Map<String, String> overrides) {
    int number = pollerNumber.incrementAndGet();
    String name = "poller-%02d-%s".formatted(number, label);
    Path tmp = workDir.resolve(name + "-tmp");
    try {
      Files.createDirectories(tmp);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ChildJvm poller =
        ChildJvm.builder(PollerMain.class.getName(), workDir.resolve(name + ".log"))
            .name(name)
            .jvmArgs(
                "-Xmx256m",
                "-XX:+ExitOnOutOfMemoryError",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "--enable-native-access=ALL-UNNAMED",
                "-Djava.io.tmpdir=" + tmp)
            .env(env)
            .env(overrides)
            .start();
    pollers.add(poller);
    return poller;
  }

  // ---------------------------------------------------------------------------------------------
  // The upload API

  /** Uploads {@code body} to {@code path} in the test instance; returns the new task's id. */
  String upload(String path, byte[] body) {
    return upload(incus.instance(), path, BodyPublishers.ofByteArray(body));
  }

  /** Uploads a file to {@code path} in the test instance; returns the new task's id. */
  String upload(String path, Path file) {
    try {
      return upload(incus.instance(), path, BodyPublishers.ofFile(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Uploads to any instance (also one that does not exist); returns the new task's id. */
  String upload(String instance, String path, BodyPublisher body) {
    String query =
        "?container=%s&path=%s"
            .formatted(
                URLEncoder.encode(instance, StandardCharsets.UTF_8),
                URLEncoder.encode(path, StandardCharsets.UTF_8));
    HttpRequest request =
        HttpRequest.newBuilder(base.resolve("/v1/uploads" + query))
            .header("Authorization", "Bearer " + API_KEY)
            .header("Content-Type", "application/octet-stream")
            .timeout(Duration.ofMinutes(3))
            .POST(body)
            .build();
    HttpResponse<String> response = send(request);
    assertThat(response.statusCode()).as("upload answer: %s", response.body()).isEqualTo(202);
    String id = json(response.body()).path("id").asText();
    assertThat(id).as("id of the new task").isNotBlank();
    return id;
  }

  /**
   * Uploads {@code count} small files of {@code size} random bytes in parallel ({@code threads} at
   * once) to {@code pathOf(i)}; returns task id to the SHA-256 of its content, in upload order.
   */
  Map<String, Upload> uploadMany(
      int count, int size, int threads, Function<Integer, String> pathOf) {
    Map<Integer, Upload> byIndex = new ConcurrentHashMap<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int index = i;
        futures.add(
            pool.submit(
                () -> {
                  byte[] body = TestFiles.randomBytes(size);
                  String path = pathOf.apply(index);
                  String id = upload(path, body);
                  byIndex.put(index, new Upload(id, path, TestFiles.sha256(body), size));
                }));
      }
      for (Future<?> future : futures) {
        future.get();
      }
    } catch (Exception e) {
      throw new AssertionError("Uploading " + count + " files failed", e);
    }
    Map<String, Upload> byId = new LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      Upload upload = byIndex.get(i);
      byId.put(upload.id(), upload);
    }
    return byId;
  }

  /** One uploaded file: its task, destination and content hash. */
  record Upload(String id, String path, String sha256, long size) {}

  /** {@code GET /v1/uploads/{id}} as JSON. */
  JsonNode task(String id) {
    HttpRequest request =
        HttpRequest.newBuilder(base.resolve("/v1/uploads/" + id))
            .header("Authorization", "Bearer " + API_KEY)
            .timeout(Duration.ofSeconds(30))
            .GET()
            .build();
    HttpResponse<String> response = send(request);
    assertThat(response.statusCode()).as("GET task %s: %s", id, response.body()).isEqualTo(200);
    return json(response.body());
  }

  String status(String id) {
    return task(id).path("status").asText();
  }

  /** The tasks' current JSON, by id. */
  Map<String, JsonNode> tasks(Collection<String> ids) {
    Map<String, JsonNode> tasks = new LinkedHashMap<>();
    for (String id : ids) {
      tasks.put(id, task(id));
    }
    return tasks;
  }

  /**
   * Waits until every task is DONE, FAILED or CANCELLED; fails listing the unfinished ones (with
   * what the pollers logged about a few of them) when {@code deadline} passes.
   */
  Map<String, JsonNode> awaitFinished(Collection<String> ids, Duration deadline) {
    long end = System.nanoTime() + deadline.toNanos();
    List<String> open = new ArrayList<>(ids);
    while (true) {
      open.removeIf(id -> isFinished(task(id)));
      if (open.isEmpty()) {
        return tasks(ids);
      }
      if (System.nanoTime() > end) {
        StringBuilder detail = new StringBuilder();
        for (String id : open.subList(0, Math.min(3, open.size()))) {
          detail
              .append("\n  ")
              .append(task(id))
              .append("\n    ")
              .append(String.join("\n    ", PollerLog.linesAbout(id, pollers)));
        }
        return fail(
            "%d of %d tasks not finished within %s; first ones:%s",
            open.size(), ids.size(), deadline, detail);
      }
      ChaosSupport.sleep(POLL);
    }
  }

  static boolean isFinished(JsonNode task) {
    String status = task.path("status").asText();
    return status.equals("DONE") || status.equals("FAILED") || status.equals("CANCELLED");
  }

  /** How many of {@code ids} are DONE right now. */
  long countDone(Collection<String> ids) {
    return ids.stream().filter(id -> status(id).equals("DONE")).count();
  }

  // ---------------------------------------------------------------------------------------------
  // SQS

  /** Sends raw bodies to the work queue. */
  void sendRaw(String... bodies) {
    for (String body : bodies) {
      aws.clients()
          .sqs()
          .sendMessage(r -> r.queueUrl(aws.resources().queueUrl()).messageBody(body));
    }
  }

  /** Every message in a queue: visible, in flight and delayed (exact on ElasticMQ). */
  long messagesIn(String queueUrl) {
    return QueueProbe.messages(aws.clients().sqs(), queueUrl);
  }

  /**
   * Receives (and deletes) everything visible in the dead-letter queue within {@code wait},
   * returning the bodies.
   */
  List<String> drainDeadLetters(Duration wait) {
    String dlq = aws.resources().deadLetterQueueUrl();
    List<String> bodies = new ArrayList<>();
    long end = System.nanoTime() + wait.toNanos();
    while (System.nanoTime() < end) {
      List<Message> messages =
          aws.clients()
              .sqs()
              .receiveMessage(r -> r.queueUrl(dlq).maxNumberOfMessages(10).waitTimeSeconds(1))
              .messages();
      for (Message message : messages) {
        bodies.add(message.body());
        aws.clients()
            .sqs()
            .deleteMessage(r -> r.queueUrl(dlq).receiptHandle(message.receiptHandle()));
      }
    }
    return bodies;
  }

  // ---------------------------------------------------------------------------------------------
  // Incus

  /** The names in a directory of the instance, through the Incus API. */
  java.util.List<String> namesIn(String directory) {
    try {
      return incusApi.listDirectory(incus.instance(), directory);
    } catch (PushException e) {
      throw new AssertionError("Listing " + directory + " in Incus failed", e);
    }
  }

  /** Reads a file back through the Incus API, hashing it as it streams. */
  TestFiles.Digest readBack(String path) {
    try (InputStream in = incusApi.openFile(incus.instance(), path)) {
      return TestFiles.sha256(in);
    } catch (IOException | PushException e) {
      throw new AssertionError("Reading " + path + " back from Incus failed", e);
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** Kills every poller still running, stops the API, deletes {@link #root()} in the instance. */
  @Override
  public void close() {
    try {
      for (ChildJvm poller : pollers) {
        if (poller.isAlive()) {
          poller.kill();
        }
      }
      api.close();
      http.close();
    } finally {
      accessLog.setLevel(accessLevel);
      try {
        incus.deleteTree(incusApi, root);
      } catch (RuntimeException e) {
        System.out.println("  (could not remove " + root + " from the instance: " + e + ")");
      } finally {
        incusApi.close();
      }
    }
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

  static JsonNode json(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      return fail("Not JSON: %s", body);
    }
  }
}
