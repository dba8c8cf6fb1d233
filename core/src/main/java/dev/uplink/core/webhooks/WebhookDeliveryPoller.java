package dev.uplink.core.webhooks;

import dev.uplink.core.domain.webhooks.WebhookDeliveryQueue;
import dev.uplink.core.domain.webhooks.WebhookDeliveryQueue.Received;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes deliveries from the delivery queue and runs each on a virtual thread of its own, at most
 * {@code concurrency} at once: where no function is invoked by the queue (the local stack). A slow
 * receiver holds one thread for its timeouts, never the others; with every slot busy the poller
 * stops receiving, so the rest wait in the queue rather than in memory.
 */
public final class WebhookDeliveryPoller implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(WebhookDeliveryPoller.class);
  private static final int BATCH = 10; // SQS's most per receive

  private final WebhookDeliveryQueue queue;
  private final WebhookDeliverer deliverer;
  private final Duration wait;
  private final Semaphore slots;
  private final ExecutorService attempts = Executors.newVirtualThreadPerTaskExecutor();
  private final Thread receiver;
  private volatile boolean running = true;
  private volatile String lastFailure = "";

  private WebhookDeliveryPoller(
      WebhookDeliveryQueue queue, WebhookDeliverer deliverer, Duration wait, int concurrency) {
    this.queue = Objects.requireNonNull(queue, "queue");
    this.deliverer = Objects.requireNonNull(deliverer, "deliverer");
    this.wait = Objects.requireNonNull(wait, "wait");
    this.slots = new Semaphore(concurrency);
    this.receiver = Thread.ofPlatform().name("uplink-webhooks").daemon().unstarted(this::run);
  }

  /** Starts receiving, each receive waiting at most {@code wait} (a stop waits for it too). */
  public static WebhookDeliveryPoller start(
      WebhookDeliveryQueue queue, WebhookDeliverer deliverer, Duration wait, int concurrency) {
    var poller = new WebhookDeliveryPoller(queue, deliverer, wait, concurrency);
    poller.receiver.start();
    return poller;
  }

  private void run() {
    while (running) {
      try {
        slots.acquire(); // a free slot before taking anything
        slots.release();
        int free = Math.max(1, Math.min(BATCH, slots.availablePermits()));
        List<Received> batch = queue.receive(free, wait);
        lastFailure = "";
        for (Received received : batch) {
          slots.acquire();
          attempts.execute(() -> attempt(received));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        if (!e.toString().equals(lastFailure)) {
          lastFailure = e.toString();
          log.warn("Receiving webhook deliveries failed; trying again: {}", e.toString());
        }
        pause();
      }
    }
  }

  private void attempt(Received received) {
    try {
      deliverer.deliver(received);
    } catch (RuntimeException e) {
      // Left hidden: the queue hands it out again after its visibility timeout.
      log.warn("Webhook delivery of {} failed: {}", received.delivery().eventId(), e.toString());
    } finally {
      slots.release();
    }
  }

  private void pause() {
    try {
      Thread.sleep(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }

  /** Stops receiving, then lets the attempts in flight end (each within its timeouts). */
  @Override
  public void close() {
    running = false;
    try {
      receiver.join(wait.plusSeconds(5).toMillis());
      attempts.shutdown();
      if (!attempts.awaitTermination(20, TimeUnit.SECONDS)) {
        attempts.shutdownNow();
      }
    } catch (InterruptedException e) {
      attempts.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
