package dev.uplink.processor;

import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.aws.DynamoDbTaskStore;
import dev.uplink.core.aws.S3ObjectStore;
import dev.uplink.core.aws.SqsTaskQueue;
import dev.uplink.core.config.ConfigException;
import dev.uplink.core.config.IncusRemotes;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.Reconciler;
import dev.uplink.core.domain.TaskStore;
import dev.uplink.core.health.Readiness;
import dev.uplink.core.health.ReadinessCheck;
import dev.uplink.processor.aws.SqsMessages;
import dev.uplink.processor.aws.SqsQueues;
import dev.uplink.processor.aws.SqsWorkQueue;
import dev.uplink.processor.incus.IncusClient;
import dev.uplink.processor.lambda.EmfPushMetrics;
import dev.uplink.processor.local.DirectoryTarget;
import dev.uplink.processor.poller.PollerSettings;
import dev.uplink.processor.poller.SqsPoller;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Builds the processor from {@link UplinkConfig}: the AWS adapters, the file target and the {@link
 * PushWorker}. The one place that knows the concrete classes; everything else takes ports.
 */
public final class ProcessorWiring implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ProcessorWiring.class);

  /** Tasks a reconciliation pass re-publishes at most. */
  static final int RECONCILE_BATCH = 500;

  /** Tasks re-published at a local restart at most: a whole local backlog. */
  private static final int RESTART_BATCH = 100_000;

  private final UplinkConfig config;
  private final AwsClients clients;
  private final RoutingTarget target;
  private final TaskStore tasks;
  private final PushWorker worker;
  private final boolean ownsClients;
  private final SqsQueues queues;

  private ProcessorWiring(
      UplinkConfig config,
      AwsClients clients,
      boolean ownsClients,
      RoutingTarget target,
      PushMetrics metrics) {
    this.config = config;
    this.clients = clients;
    this.ownsClients = ownsClients;
    this.target = target;
    this.queues = new SqsQueues(clients.sqs(), clients::queueUrl);
    this.tasks = taskStore(config, clients);
    this.worker =
        new PushWorker(
            tasks,
            new S3ObjectStore(clients.s3(), config.aws().bucket(), config.partSizeBytes()),
            target,
            Clock.systemUTC(),
            WorkerSettings.from(config),
            ThreadLocalRandom.current(),
            metrics,
            TaskGuard.of(config.security()));
    log.info(
        "An Incus host unreachable for up to {} fails no task (holds of {} doubling to {} over {}"
            + " receives: UPLINK_MAX_BACKOFF, UPLINK_CIRCUIT_MAX_HOLD, UPLINK_MAX_RECEIVE_COUNT)",
        worker.settings().retry().survivableOutage(),
        worker.settings().retry().hold(1),
        worker.settings().retry().circuitMaxHold(),
        worker.settings().retry().maxReceiveCount());
    if (config.security().sealer().isEmpty()) {
      log.warn(
          "Task seals are not checked (UPLINK_TASK_SEAL_KEY is not set): whoever can write the"
              + " task table can send files to any instance and path. Give the API and the"
              + " processor the same key.");
    }
  }

  private static TaskStore taskStore(UplinkConfig config, AwsClients clients) {
    return new DynamoDbTaskStore(
        clients.dynamoDb(), config.aws().table(), config.processing().taskRetention());
  }

  /**
   * The reconciler over the configured table and work queue (looked up by name), for the scheduled
   * Lambda ({@link dev.uplink.processor.lambda.ReconcilerHandler}); needs no Incus.
   */
  public static Reconciler reconciler(UplinkConfig config, AwsClients clients) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(clients, "clients");
    return reconciler(config, taskStore(config, clients), clients.sqs(), clients.queueUrl());
  }

  /**
   * For a local stack starting over its kept task table, before it takes any work: it is the only
   * processor of that table (it holds its data directory's lock), so every task still PROCESSING
   * was leased by the run that died, and goes back to PENDING now rather than when that lease runs
   * out ({@link Reconciler#releaseLeasesOfDeadRun}). Returns how many were released.
   */
  public static int releaseLeasesOfDeadRun(UplinkConfig config, AwsClients clients) {
    // A lease is one visibility timeout from its last heartbeat: twice that bounds them all.
    return reconciler(config, taskStore(config, clients), clients.sqs(), clients.queueUrl())
        .releaseLeasesOfDeadRun(config.visibilityTimeout().multipliedBy(2));
  }

  /**
   * One pass for a local stack that just started over its kept task table but with an empty queue
   * (its SQS lives in memory): every task still PENDING, and every PROCESSING one whose lease ran
   * out, is published again at once instead of after {@code UPLINK_RECONCILE_AFTER}. Duplicates are
   * harmless (the claim rule). Returns how many were published.
   */
  public static int republishAfterRestart(UplinkConfig config, AwsClients clients) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(clients, "clients");
    return new Reconciler(
            taskStore(config, clients),
            new SqsTaskQueue(clients.sqs(), clients.queueUrl()),
            Clock.systemUTC(),
            Duration.ZERO,
            RESTART_BATCH)
        .runOnce();
  }

  private static Reconciler reconciler(
      UplinkConfig config, TaskStore tasks, SqsClient sqs, String queueUrl) {
    return new Reconciler(
        tasks,
        new SqsTaskQueue(sqs, queueUrl),
        Clock.systemUTC(),
        config.processing().reconcileAfter(),
        RECONCILE_BATCH);
  }

  /** For the Lambda: reads the environment; Incus is required. */
  public static ProcessorWiring forLambda() {
    return forLambda(UplinkConfig.fromEnvironment());
  }

  /**
   * For the Lambda: Incus is required, since a Lambda has no local directory worth writing to.
   *
   * @throws ConfigException if {@code UPLINK_INCUS_URL} is not set, or the Incus files are unusable
   */
  public static ProcessorWiring forLambda(UplinkConfig config) {
    Objects.requireNonNull(config, "config");
    if (config.incus().isEmpty()) {
      throw new ConfigException(
          "UPLINK_INCUS_URL (with UPLINK_INCUS_CERT, UPLINK_INCUS_KEY and UPLINK_INCUS_SERVER_CERT,"
              + " or their *_SECRET variants) is required for the Lambda processor");
    }
    if (config.incus().get().isUnixSocket()) {
      throw new ConfigException(
          "UPLINK_INCUS_URL is a unix socket, which a Lambda cannot reach: use the Incus server's"
              + " https:// URL (or run the container-mode processor on the Incus host)");
    }
    config
        .remotes()
        .requireAll()
        .forEach(
            (name, settings) -> {
              if (settings.isUnixSocket()) {
                throw new ConfigException(
                    ("%sURL (remote %s) is a unix socket, which a Lambda cannot reach: use its"
                            + " https:// URL")
                        .formatted(IncusRemotes.variablePrefix(name), name));
              }
            });
    return new ProcessorWiring(
        config, AwsClients.create(config.aws()), true, targetFor(config), new EmfPushMetrics());
  }

  /**
   * For the long-running poller: pushes to Incus when {@code UPLINK_INCUS_URL} is set, otherwise
   * into the local directory target under {@code UPLINK_DATA_DIR}.
   */
  public static ProcessorWiring create(UplinkConfig config) {
    Objects.requireNonNull(config, "config");
    return new ProcessorWiring(
        config, AwsClients.create(config.aws()), true, targetFor(config), PushMetrics.NONE);
  }

  /**
   * Like {@link #create(UplinkConfig)}, counting outcomes in {@code metrics} (the container-mode
   * poller that serves {@code /metrics}).
   */
  public static ProcessorWiring create(UplinkConfig config, PushMetrics metrics) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(metrics, "metrics");
    return new ProcessorWiring(
        config, AwsClients.create(config.aws()), true, targetFor(config), metrics);
  }

  /**
   * Like {@link #create(UplinkConfig)}, over clients the caller shares with other components and
   * closes itself (the local stack, tests).
   */
  public static ProcessorWiring create(UplinkConfig config, AwsClients clients) {
    return create(config, clients, PushMetrics.NONE);
  }

  /** Like {@link #create(UplinkConfig, AwsClients)}, counting outcomes in {@code metrics}. */
  public static ProcessorWiring create(
      UplinkConfig config, AwsClients clients, PushMetrics metrics) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(clients, "clients");
    Objects.requireNonNull(metrics, "metrics");
    return new ProcessorWiring(config, clients, false, targetFor(config), metrics);
  }

  /**
   * One target per remote: the default remote's (Incus, or the directory target without Incus) and
   * one {@link IncusClient} of its own for each named remote; a named remote that is the default
   * one shares the default's client.
   *
   * @throws ConfigException if a named remote's URL is not set or its files are unusable
   */
  private static RoutingTarget targetFor(UplinkConfig config) {
    log.info("Processor configured: {}", config);
    var byRemote = new LinkedHashMap<String, FileTarget>();
    FileTarget defaultTarget =
        config.incus().isPresent()
            ? new IncusClient(config.incus().get())
            : new DirectoryTarget(config.dataDir());
    byRemote.put(Destination.DEFAULT_REMOTE, defaultTarget);
    var routing = new RoutingTarget(byRemote);
    try {
      config
          .remotes()
          .requireAll()
          .forEach(
              (name, settings) ->
                  byRemote.put(
                      name,
                      config.remotes().defaultRemote().filter(name::equals).isPresent()
                          ? defaultTarget
                          : new IncusClient(settings)));
    } catch (RuntimeException e) {
      new RoutingTarget(byRemote).close(); // the clients made so far
      throw e;
    }
    return byRemote.size() == 1 ? routing : new RoutingTarget(byRemote);
  }

  public PushWorker worker() {
    return worker;
  }

  /** Where pushes go: each remote's target, picked by the task's destination. */
  public RoutingTarget target() {
    return target;
  }

  /** What {@code /readyz} checks for this processor: {@link #readinessChecks}, 2 s each. */
  public Readiness readiness() {
    return new Readiness(readinessChecks(config, clients, target), Readiness.DEFAULT_TIMEOUT);
  }

  /**
   * What a processor needs to answer, in this order: the bucket ({@code s3}), the work queue
   * ({@code sqs}), the table ({@code dynamodb}) and each remote's target: the default remote's
   * ({@code incus:URL}, or {@code directory}), then each named remote's ({@code incus remote
   * NAME:URL}; reachable, our certificate trusted and the server's the pinned one). Each check is
   * one cheap read.
   */
  public static List<ReadinessCheck> readinessChecks(
      UplinkConfig config, AwsClients clients, FileTarget target) {
    var checks = new ArrayList<>(clients.readinessChecks());
    checks.add(
        new ReadinessCheck(
            config.incus().map(incus -> "incus:" + incus.url()).orElse("directory"),
            () -> defaultTarget(target).checkReady()));
    if (target instanceof RoutingTarget routing) {
      config
          .remotes()
          .servers()
          .forEach(
              (name, settings) -> {
                FileTarget remote = routing.byRemote().get(name);
                if (remote != null) {
                  checks.add(
                      new ReadinessCheck(
                          "incus remote " + name + ":" + settings.url(), remote::checkReady));
                }
              });
    }
    return List.copyOf(checks);
  }

  private static FileTarget defaultTarget(FileTarget target) {
    return target instanceof RoutingTarget routing
        ? routing.byRemote().get(Destination.DEFAULT_REMOTE)
        : target;
  }

  public AwsClients clients() {
    return clients;
  }

  public UplinkConfig config() {
    return config;
  }

  /**
   * A poller over the configured work queue (looked up by name), with the reconciler on its timer,
   * not yet started; its long polls wait {@link #longPoll at most the shutdown grace}. Its global
   * cap is {@code UPLINK_WORKERS}, lowered to {@code UPLINK_WORKERS_PER_HOST} times the number of
   * remotes (the worker enforces the per-host cap either way).
   */
  public SqsPoller poller() {
    return poller(longPoll(config.processing().shutdownGrace()));
  }

  /**
   * How long a receive waits for messages: 20 s (SQS's longest), but never longer than the shutdown
   * grace (at least 1 s), since a stop waits for the receive in flight to return.
   */
  static Duration longPoll(Duration shutdownGrace) {
    Duration atLeastOne =
        shutdownGrace.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : shutdownGrace;
    return atLeastOne.compareTo(SqsPoller.MAX_WAIT) > 0
        ? SqsPoller.MAX_WAIT
        : Duration.ofSeconds(atLeastOne.toSeconds());
  }

  /**
   * Like {@link #poller()}, with long polls of {@code waitTime} (0 to 20 s): a stop waits for the
   * receive in flight to return, so a shorter wait stops sooner, at the cost of more receives.
   */
  public SqsPoller poller(Duration waitTime) {
    String queueUrl = clients.queueUrl();
    var settings =
        new PollerSettings(
            Math.min(
                config.workers(), config.processing().perHostWorkers() * target.byRemote().size()),
            config.visibilityTimeout(),
            waitTime,
            config.processing().shutdownGrace(),
            config.processing().fifo());
    Reconciler reconciler = reconciler(config, tasks, clients.sqs(), queueUrl);
    return new SqsPoller(new SqsWorkQueue(clients.sqs(), queueUrl), worker, settings)
        .withReconciler(reconciler::runOnce, config.processing().reconcileInterval());
  }

  /**
   * The queue a Lambda record came from, by its {@code eventSourceArn} ({@code
   * arn:aws:sqs:REGION:ACCOUNT:NAME}), looked up once; the configured work queue when the record
   * names none.
   */
  public SqsMessages queueFor(String eventSourceArn) {
    return queues.byEventSourceArn(eventSourceArn);
  }

  @Override
  public void close() {
    worker.close();
    target.close();
    if (ownsClients) {
      clients.close();
    }
  }
}
