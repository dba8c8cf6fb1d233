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
import dev.uplink.processor.poller.PollerMain;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
  private final IncusTarget target;
  private final AtomicInteger children = new AtomicInteger();
  private static final AtomicInteger UNIQUE = new AtomicInteger();

  Stack(Path workDir, String classpath) {
    this.workDir = workDir;
    this.classpath = classpath;
    this.target = IncusTarget.fromEnvironment();

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
    target.mkdirs(ROOT);
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

  /** The Incus server and instance under test. */
  IncusTarget target() {
    return target;
  }

  IncusSettings incus() {
    return target.settings();
  }

  String instance() {
    return target.instance();
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
    IncusSettings incus = target.settings();
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

  /**
   * The real poller, pushing over the local unix socket ({@code UPLINK_INCUS_URL=unix://...}, no
   * certificate variables at all).
   */
  Child startUnixSocketPoller(List<String> jvmArgs, Map<String, String> extraEnv) {
    var env = new LinkedHashMap<>(extraEnv);
    env.put("UPLINK_INCUS_URL", "unix://" + IncusTarget.localSocket());
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
            new Destination(target.instance(), path, 0644, 0, 0),
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
    Parallel.forEach(
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
    List<Optional<UploadTask>> found = Parallel.map(16, ids, tasks::find);
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

  /** {@code label} made unique in this run (a repeated measurement gets fresh names). */
  static String unique(String label) {
    return label + "-" + UNIQUE.incrementAndGet();
  }

  /** Empties the work queue twice, 5 s apart (pushes in flight may still give messages back). */
  void drainQueue() {
    purgeQueue();
    Sleep.millis(5000);
    purgeQueue();
  }

  @Override
  public void close() {
    try {
      target.deleteTree(ROOT);
    } catch (RuntimeException e) {
      System.err.println("bench: could not clean " + ROOT + " in the instance: " + e.getMessage());
    }
    target.close();
    clients.close();
    emulators.close();
  }
}
