package dev.uplink.infra;

import dev.uplink.api.UploadService;
import dev.uplink.api.UploadServices;
import dev.uplink.api.UploadSweeper;
import dev.uplink.api.WebhookService;
import dev.uplink.api.http.ApiSettings;
import dev.uplink.api.http.Probes;
import dev.uplink.api.http.UploadApi;
import dev.uplink.api.http.WebhookPayload;
import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.aws.DynamoDbWebhookRegistry;
import dev.uplink.core.aws.OperatorServices;
import dev.uplink.core.aws.SqsWebhookDeliveryQueue;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.config.WebhookSettings;
import dev.uplink.core.domain.webhooks.WebhookUrlPolicy;
import dev.uplink.core.logging.TaskEventLog;
import dev.uplink.core.webhooks.WebhookDeliverer;
import dev.uplink.core.webhooks.WebhookDeliveryPoller;
import dev.uplink.core.webhooks.WebhookFanOut;
import dev.uplink.core.webhooks.WebhookPost;
import dev.uplink.processor.FileTarget;
import dev.uplink.processor.MeterPushMetrics;
import dev.uplink.processor.ProcessorWiring;
import dev.uplink.processor.poller.SqsPoller;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upload API and the processor's poller running together in this JVM over one set of AWS
 * clients: what {@code ./uplink local} runs, and what the end-to-end tests drive.
 */
public final class LocalPipeline implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LocalPipeline.class);

  /**
   * How often the sweeper looks at presigned uploads: the emulated S3 sends no object-created
   * events, so a task whose client uploaded but never called complete is completed by this poll.
   */
  static final Duration SWEEP_INTERVAL = Duration.ofSeconds(1);

  /**
   * Objects a sweep may look at for a completion (owners taking turns; every upload past its window
   * is settled besides): at one sweep a second, far more than a local stack's clients finish.
   */
  static final int SWEEP_BATCH = 100;

  /**
   * The poller's long-poll wait: a stop lets the receive in flight return (else the queue could
   * hand it a message nobody takes), so Ctrl+C takes up to this long; 5 s costs a local queue a
   * receive every 5 s when idle.
   */
  static final Duration POLL_WAIT = Duration.ofSeconds(5);

  /** How often task events are read from the table's stream: what an event may lag its status. */
  static final Duration EVENT_INTERVAL = Duration.ofMillis(500);

  /** The webhook poller's receive wait: a stop waits for the receive in flight. */
  static final Duration WEBHOOK_POLL_WAIT = Duration.ofSeconds(2);

  /** Webhook deliveries attempted at once (each on a virtual thread, bounded by its timeouts). */
  static final int WEBHOOK_ATTEMPTS = 16;

  private final String host;
  private final UploadApi api;
  private final ProcessorWiring processor;
  private final SqsPoller poller;
  private final UploadSweeper sweeper;
  private final TaskEventPump events;
  private final WebhookDeliveryPoller webhooks;

  private LocalPipeline(
      String host,
      UploadApi api,
      ProcessorWiring processor,
      SqsPoller poller,
      UploadSweeper sweeper,
      TaskEventPump events,
      WebhookDeliveryPoller webhooks) {
    this.host = host;
    this.api = api;
    this.processor = processor;
    this.poller = poller;
    this.sweeper = sweeper;
    this.events = events;
    this.webhooks = webhooks;
  }

  /**
   * Starts the API on {@code host}:{@code config.port()} and a poller over the configured queue.
   * The caller keeps ownership of {@code clients}.
   */
  public static LocalPipeline start(UplinkConfig config, AwsClients clients, String host) {
    return start(config, clients, host, WebhookSettings.forLocalStack(Map.of()));
  }

  /**
   * As {@link #start(UplinkConfig, AwsClients, String)}, with webhooks as {@code webhookSettings}
   * say: their table and queues are provisioned, task events are fanned out to the registered
   * endpoints and a poller delivers them.
   */
  public static LocalPipeline start(
      UplinkConfig config, AwsClients clients, String host, WebhookSettings webhookSettings) {
    var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    var processor = ProcessorWiring.create(config, clients, new MeterPushMetrics(registry));
    SqsPoller poller = null;
    UploadSweeper sweeper = null;
    TaskEventPump events = null;
    WebhookDeliveryPoller webhooks = null;
    try {
      new AwsProvisioner(clients).webhooks(webhookSettings);
      var endpoints = new DynamoDbWebhookRegistry(clients.dynamoDb(), webhookSettings.table());
      var deliveries = SqsWebhookDeliveryQueue.named(clients.sqs(), webhookSettings.queue());
      var policy =
          new WebhookUrlPolicy(
              webhookSettings.allowHttpLoopback(), webhookSettings.allowInternalAddresses());
      poller = processor.poller(POLL_WAIT);
      poller.start();
      UploadService service = UploadServices.onAws(config, clients);
      sweeper = UploadSweeper.start(service.direct().orElseThrow(), SWEEP_INTERVAL, SWEEP_BATCH);
      var probes = new Probes(processor.readiness(), Optional.of(registry::scrape));
      var api =
          UploadApi.start(
              host,
              config.port(),
              ApiSettings.from(config)
                  .withProbes(probes)
                  .withOperators(OperatorServices.onAws(config, clients))
                  .withWebhooks(new WebhookService(endpoints, policy, Clock.systemUTC())),
              service);
      var deliverer =
          new WebhookDeliverer(
              endpoints,
              deliveries,
              new WebhookPost(policy, WebhookPost.CONNECT_TIMEOUT, WebhookPost.READ_TIMEOUT),
              webhookSettings,
              Clock.systemUTC());
      webhooks =
          WebhookDeliveryPoller.start(deliveries, deliverer, WEBHOOK_POLL_WAIT, WEBHOOK_ATTEMPTS);
      events =
          TaskEventPump.start(
              clients,
              config.dataDir().resolve("task-events.positions"),
              EVENT_INTERVAL,
              new TaskEventLog()
                  .andThen(new WebhookFanOut(endpoints, deliveries, WebhookPayload::of)));
      return new LocalPipeline(host, api, processor, poller, sweeper, events, webhooks);
    } catch (RuntimeException e) {
      if (webhooks != null) {
        webhooks.close();
      }
      if (events != null) {
        events.close();
      }
      if (sweeper != null) {
        sweeper.close();
      }
      if (poller != null) {
        poller.close();
      }
      processor.close();
      throw e;
    }
  }

  /** Where the API listens, e.g. {@code http://127.0.0.1:8080}. */
  public URI baseUri() {
    String shown = "0.0.0.0".equals(host) ? "127.0.0.1" : host;
    return URI.create("http://" + shown + ":" + api.port());
  }

  public int port() {
    return api.port();
  }

  /** Where the processor pushes files: Incus, or the local directory target. */
  public FileTarget target() {
    return processor.target();
  }

  /** Stops taking uploads first, then lets pushes in flight finish, then closes the target. */
  @Override
  public void close() {
    sweeper.close();
    try {
      api.close();
    } finally {
      try {
        poller.close();
      } finally {
        processor.close();
        events.close();
        webhooks.close();
        log.info("Pipeline stopped");
      }
    }
  }
}
