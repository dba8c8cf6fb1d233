package dev.uplink.bench;

import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.aws.DynamoDbTaskStore;
import dev.uplink.core.config.AwsSettings;
import dev.uplink.core.config.IncusSettings;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.json.TaskMessage;
import dev.uplink.processor.PushException;
import dev.uplink.processor.incus.IncusClient;
import dev.uplink.processor.poller.PollerMain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * What every benchmark shares: the emulators (a child JVM), the harness's own AWS clients, the
 * Incus server under test, and how to start the API and pollers as processes of their own.
 */
final class Stack implements AutoCloseable {

  static final String API_KEY = "bench-key";
  static final String OWNER = "bench";

  /**
   * Everything the harness pushes goes under this directory of the instance, one per run: other
   * runs on the same machine share the instance, and each deletes its own directory at the end.
   */
  static final String ROOT = "/uplink-bench-" + ProcessHandle.current().pid();

  private final Path workDir;
  private final String classpath;
  private final Child emulators;
  private final AwsSettings aws;
  private final AwsClients clients;
  private final DynamoDbTaskStore tasks;
  private final String queueUrl;
  private final IncusSettings incus;
  private final String instance;
  private final IncusClient incusClient;
  private final AtomicInteger children = new AtomicInteger();
  private static final AtomicInteger UNIQUE = new AtomicInteger();

  Stack(Path workDir, String classpath) {
    this.workDir = workDir;
    this.classpath = classpath;
    Map<String, String> env = System.getenv();
    URI incusUrl = URI.create(env.getOrDefault("UPLINK_TEST_INCUS_URL", "https://127.0.0.1:8443"));
    Path certs = Path.of(env.getOrDefault("UPLINK_TEST_CERT_DIR", "/var/lib/uplink-test"));
    this.instance = env.getOrDefault("UPLINK_TEST_INSTANCE", "uplink-test");
    this.incus =
        new IncusSettings(
            incusUrl,
            certs.resolve("client.crt"),
            certs.resolve("client.key"),
            certs.resolve("server.crt"));
    this.incusClient = new IncusClient(incus);
    awaitIncus();

    this.emulators =
        Child.jvm(
            "emulators",
            classpath,
            List.of("-Xmx2g", "-XX:+UseParallelGC"),
            EmulatorsMain.class.getName(),
            List.of(workDir.resolve("aws").toString()),
            Map.of(),
            workDir.resolve("emulators.log"));
    Map<String, String> ready = emulators.awaitReady(Duration.ofSeconds(120));
    this.aws =
        UplinkConfig.fromEnvironment(Map.of())
            .aws()
            .withEndpoints(
                URI.create(ready.get("s3")),
                URI.create(ready.get("sqs")),
                URI.create(ready.get("dynamodb")));
    this.clients =
        AwsClients.create(
            aws, StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")));
    this.tasks = new DynamoDbTaskStore(clients.dynamoDb(), aws.table());
    this.queueUrl = clients.queueUrl();
    mkdirs(ROOT);
  }

  Path workDir() {
    return workDir;
  }

  String classpath() {
    return classpath;
  }

  AwsSettings aws() {
    return aws;
  }

  AwsClients clients() {
    return clients;
  }

  DynamoDbTaskStore tasks() {
    return tasks;
  }

  String queueUrl() {
    return queueUrl;
  }

  IncusSettings incus() {
    return incus;
  }

  String instance() {
    return instance;
  }

  IncusClient incusClient() {
    return incusClient;
  }

  Child emulators() {
    return emulators;
  }

  /** What the API and the pollers are configured with: these emulators, this Incus. */
  Map<String, String> env() {
    var env = new LinkedHashMap<String, String>();
    env.put("AWS_ACCESS_KEY_ID", "test");
    env.put("AWS_SECRET_ACCESS_KEY", "test");
    env.put("AWS_REGION", aws.region());
    env.put("UPLINK_S3_ENDPOINT", aws.s3Endpoint().orElseThrow().toString());
    env.put("UPLINK_SQS_ENDPOINT", aws.sqsEndpoint().orElseThrow().toString());
    env.put("UPLINK_DYNAMODB_ENDPOINT", aws.dynamoDbEndpoint().orElseThrow().toString());
    env.put("UPLINK_INCUS_URL", incus.url().toString());
    env.put("UPLINK_INCUS_CERT", incus.clientCert().toString());
    env.put("UPLINK_INCUS_KEY", incus.clientKey().toString());
    env.put("UPLINK_INCUS_SERVER_CERT", incus.serverCert().toString());
    env.put("UPLINK_API_KEYS", API_KEY + "=" + OWNER + "@*:/");
    env.put("UPLINK_PORT", "0");
    env.put("UPLINK_DATA_DIR", workDir.resolve("data").toString());
    // A push that failed because incusd was restarted (by another build's chaos test) comes back
    // within seconds, not minutes.
    env.put("UPLINK_MAX_BACKOFF", "5");
    return env;
  }

  /** The upload API as a process of its own; returns once it listens. */
  Api startApi(List<String> jvmArgs, Map<String, String> extraEnv) {
    var env = new LinkedHashMap<>(env());
    env.putAll(extraEnv);
    String name = "api-" + children.incrementAndGet();
    Child child =
        Child.jvm(
            name,
            classpath,
            jvmArgs,
            ApiMain.class.getName(),
            List.of(),
            env,
            workDir.resolve(name + ".log"));
    try {
      int port = Integer.parseInt(child.awaitReady(Duration.ofSeconds(120)).get("port"));
      return new Api(child, URI.create("http://127.0.0.1:" + port));
    } catch (RuntimeException e) {
      child.close();
      throw e;
    }
  }

  /** The upload API's process and address. */
  record Api(Child process, URI base) implements AutoCloseable {
    @Override
    public void close() {
      process.close();
    }
  }

  /** The real poller ({@link PollerMain}) as a process; returns once it polls. */
  Child startPoller(List<String> jvmArgs, Map<String, String> extraEnv) {
    return startPoller(jvmArgs, extraEnv, List.of());
  }

  /** The local Incus socket ({@code UPLINK_TEST_INCUS_SOCKET}, else Incus's default path). */
  static Path incusSocket() {
    return Path.of(
        System.getenv().getOrDefault("UPLINK_TEST_INCUS_SOCKET", "/var/lib/incus/unix.socket"));
  }

  /**
   * The real poller, pushing over the local unix socket ({@code UPLINK_INCUS_URL=unix://...}, no
   * certificate variables at all).
   */
  Child startUnixSocketPoller(List<String> jvmArgs, Map<String, String> extraEnv) {
    var env = new LinkedHashMap<>(extraEnv);
    env.put("UPLINK_INCUS_URL", "unix://" + incusSocket());
    return startPoller(
        jvmArgs, env, List.of("UPLINK_INCUS_CERT", "UPLINK_INCUS_KEY", "UPLINK_INCUS_SERVER_CERT"));
  }

  /** The real poller, without the variables named in {@code unset}. */
  Child startPoller(List<String> jvmArgs, Map<String, String> extraEnv, List<String> unset) {
    var env = new LinkedHashMap<>(env());
    env.putAll(extraEnv);
    unset.forEach(env::remove);
    String name = "poller-" + children.incrementAndGet();
    Child child =
        Child.jvm(
            name,
            classpath,
            jvmArgs,
            PollerMain.class.getName(),
            List.of(),
            env,
            workDir.resolve(name + ".log"));
    try {
      child.await(java.util.regex.Pattern.compile("Polling "), Duration.ofSeconds(120));
      return child;
    } catch (RuntimeException e) {
      child.close();
      throw e;
    }
  }

  // --- tasks -------------------------------------------------------------------------------------

  /** Puts {@code content} into the bucket under {@code key} (one PutObject). */
  void putObject(String key, byte[] content) {
    clients.s3().putObject(r -> r.bucket(aws.bucket()).key(key), RequestBody.fromBytes(content));
  }

  void deleteObject(String key) {
    clients.s3().deleteObject(r -> r.bucket(aws.bucket()).key(key));
  }

  /** Records a PENDING task for an object already in the bucket (no message yet). */
  UploadTask createTask(String objectKey, long size, String sha256, String path) {
    var task =
        UploadTask.pending(
            TaskId.newId(),
            OWNER,
            new Destination(instance, path, 0644, 0, 0),
            objectKey,
            size,
            sha256,
            Instant.now().truncatedTo(ChronoUnit.MILLIS));
    tasks.create(task);
    return task;
  }

  /** One message per task, ten to a SendMessageBatch, from {@code threads} threads. */
  void publish(List<UploadTask> batch, int threads) {
    List<List<UploadTask>> chunks = new ArrayList<>();
    for (int i = 0; i < batch.size(); i += 10) {
      chunks.add(batch.subList(i, Math.min(batch.size(), i + 10)));
    }
    parallel(
        threads,
        chunks,
        chunk -> {
          List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
          for (UploadTask task : chunk) {
            entries.add(
                SendMessageBatchRequestEntry.builder()
                    .id(task.id().value())
                    .messageBody(TaskMessage.bodyFor(task.id()))
                    .build());
          }
          var response = clients.sqs().sendMessageBatch(r -> r.queueUrl(queueUrl).entries(entries));
          if (response.hasFailed() && !response.failed().isEmpty()) {
            throw new IllegalStateException("SendMessageBatch failed: " + response.failed());
          }
        });
  }

  /** Messages waiting or in flight in the work queue. */
  int queueDepth() {
    Map<QueueAttributeName, String> a =
        clients
            .sqs()
            .getQueueAttributes(
                r ->
                    r.queueUrl(queueUrl)
                        .attributeNames(
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED))
            .attributes();
    return a.values().stream().mapToInt(Integer::parseInt).sum();
  }

  void purgeQueue() {
    clients.sqs().purgeQueue(r -> r.queueUrl(queueUrl));
  }

  /**
   * Waits until the queue is empty, then reads every task back; fails if one is not DONE.
   *
   * @return the tasks, in the order given
   */
  List<UploadTask> awaitDone(List<TaskId> ids, Duration timeout) {
    long end = System.nanoTime() + timeout.toNanos();
    while (queueDepth() > 0) {
      if (System.nanoTime() > end) {
        throw new IllegalStateException(
            "The queue still holds " + queueDepth() + " message(s) after " + timeout);
      }
      Sleep.millis(50);
    }
    List<UploadTask> done = new ArrayList<>(ids.size());
    List<Optional<UploadTask>> found = parallelMap(16, ids, tasks::find);
    for (int i = 0; i < ids.size(); i++) {
      UploadTask task =
          found
              .get(i)
              .orElseThrow(() -> new IllegalStateException("a task vanished from the table"));
      if (task.status() != TaskStatus.DONE) {
        throw new IllegalStateException(
            "Task " + task.id() + " is " + task.status() + ": " + task.lastError());
      }
      done.add(task);
    }
    return done;
  }

  /**
   * Waits for one task to be DONE (read every 100 ms: often enough, since the task's own updatedAt
   * says when it finished, and rarely enough not to load DynamoDB Local meanwhile).
   */
  UploadTask awaitDone(TaskId id, Duration timeout) {
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      UploadTask task = tasks.find(id).orElseThrow();
      if (task.status() == TaskStatus.DONE) {
        return task;
      }
      if (task.status().isTerminal() || task.lastError().isPresent()) {
        throw new IllegalStateException(
            "Task " + id + " is " + task.status() + ": " + task.lastError());
      }
      if (System.nanoTime() > end) {
        throw new IllegalStateException("Task " + id + " is still " + task.status());
      }
      Sleep.millis(100);
    }
  }

  // --- Incus -------------------------------------------------------------------------------------

  /**
   * Runs one measurement; if it fails, waits until Incus answers again (other builds on this
   * machine stop and start incusd in their chaos tests), runs {@code reset} and tries again, at
   * most three times in all.
   */
  <T> T measure(String what, java.util.function.Supplier<T> action, Runnable reset) {
    for (int attempt = 1; ; attempt++) {
      awaitIncus();
      try {
        return action.get();
      } catch (RuntimeException e) {
        if (attempt >= 3) {
          throw e;
        }
        String message = String.valueOf(e.getMessage());
        Bench.log(
            "%s failed (%s); trying again once Incus answers",
            what, message.lines().findFirst().orElse(message));
        Sleep.millis(2000);
        awaitIncus();
        reset.run();
      }
    }
  }

  /** Waits (up to 10 minutes) until Incus answers {@code GET /1.0} and trusts us. */
  void awaitIncus() {
    long end = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    boolean said = false;
    while (true) {
      try {
        incusClient.checkReady();
        if (said) {
          Bench.log("Incus answers again");
        }
        return;
      } catch (PushException e) {
        if (System.nanoTime() > end) {
          throw new IllegalStateException("Incus did not come back: " + e.getMessage(), e);
        }
        if (!said) {
          Bench.log("waiting for Incus: %s", e.getMessage());
          said = true;
        }
        Sleep.millis(1000);
      }
    }
  }

  /** Empties the work queue twice, 5 s apart (pushes in flight may still give messages back). */
  void drainQueue() {
    purgeQueue();
    Sleep.millis(5000);
    purgeQueue();
  }

  /** Creates {@code path} and its missing parents in the instance. */
  void mkdirs(String path) {
    StringBuilder at = new StringBuilder();
    for (String part : path.substring(1).split("/")) {
      at.append('/').append(part);
      try {
        if (incusClient.stat(instance, at.toString()).isEmpty()) {
          incusClient.createDirectory(instance, at.toString(), 0755, 0, 0);
        }
      } catch (PushException e) {
        throw new IllegalStateException("Cannot create " + at + " in " + instance, e);
      }
    }
  }

  /** Deletes a directory of the instance and everything in it (32 deletes at a time). */
  void deleteTree(String path) {
    try {
      if (incusClient.stat(instance, path).isEmpty()) {
        return;
      }
      List<String> children = new ArrayList<>();
      for (String name : incusClient.listDirectory(instance, path)) {
        children.add(path + "/" + name.substring(name.lastIndexOf('/') + 1));
      }
      parallel(
          32,
          children,
          child -> {
            try {
              incusClient.delete(instance, child);
            } catch (PushException e) {
              // Not empty: a directory.
              deleteTree(child);
            }
          });
      incusClient.delete(instance, path);
    } catch (PushException e) {
      throw new IllegalStateException("Cannot delete " + path + " in " + instance, e);
    }
  }

  /** Deletes these files of the instance, 32 at a time. */
  void deleteFiles(List<String> paths) {
    parallel(
        32,
        paths,
        path -> {
          try {
            incusClient.delete(instance, path);
          } catch (PushException e) {
            throw new IllegalStateException("Cannot delete " + path, e);
          }
        });
  }

  // --- helpers -----------------------------------------------------------------------------------

  /** {@code label} made unique in this run (a repeated measurement gets fresh names). */
  static String unique(String label) {
    return label + "-" + UNIQUE.incrementAndGet();
  }

  /** Runs {@code action} on every item, {@code threads} at a time; rethrows the first failure. */
  static <T> void parallel(int threads, List<T> items, java.util.function.Consumer<T> action) {
    parallelMap(
        threads,
        items,
        item -> {
          action.accept(item);
          return null;
        });
  }

  static <T, R> List<R> parallelMap(
      int threads, List<T> items, java.util.function.Function<T, R> action) {
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      List<Future<R>> futures = new ArrayList<>();
      for (T item : items) {
        futures.add(pool.submit(() -> action.apply(item)));
      }
      List<R> results = new ArrayList<>();
      for (Future<R> f : futures) {
        results.add(f.get());
      }
      return results;
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static void writeRandomFile(Path file, long size, long seed) {
    try {
      if (Files.exists(file) && Files.size(file) == size) {
        return;
      }
      Files.createDirectories(file.getParent());
      var random = new java.util.SplittableRandom(seed);
      byte[] buffer = new byte[1 << 20];
      try (var out = Files.newOutputStream(file)) {
        for (long written = 0; written < size; written += buffer.length) {
          for (int i = 0; i < buffer.length; i += 8) {
            long v = random.nextLong();
            for (int b = 0; b < 8; b++) {
              buffer[i + b] = (byte) (v >>> (8 * b));
            }
          }
          out.write(buffer, 0, (int) Math.min(buffer.length, size - written));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String sha256Hex(Path file) {
    try (var in = Files.newInputStream(file)) {
      var digest = java.security.MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 20];
      int n;
      while ((n = in.read(buffer)) > 0) {
        digest.update(buffer, 0, n);
      }
      return java.util.HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String sha256Hex(byte[] content) {
    try {
      return java.util.HexFormat.of()
          .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    try {
      deleteTree(ROOT);
    } catch (RuntimeException e) {
      System.err.println("bench: could not clean " + ROOT + " in the instance: " + e.getMessage());
    }
    incusClient.close();
    clients.close();
    emulators.close();
  }
}
