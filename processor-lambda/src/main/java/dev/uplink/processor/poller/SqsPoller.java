package dev.uplink.processor.poller;

import dev.uplink.processor.Outcome;
import dev.uplink.processor.PushWorker;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The long-running consumer (container mode): long-polls the queue and runs at most {@code workers}
 * pushes at once, each on its own virtual thread, through the same {@link PushWorker} as the Lambda
 * handler. A message is deleted when its outcome says so; a {@link Outcome#RETRY} message is left
 * alone, so SQS redelivers it after the visibility timeout (and dead-letters it after {@code
 * maxReceiveCount} receives).
 *
 * <p>It never receives more messages than it has free workers, so no received message waits (its
 * visibility timeout would run down while it waits). An SQS failure is logged and retried after a
 * short, growing pause; the poller does not die of it.
 */
public final class SqsPoller implements AutoCloseable {

  /** The longest long-poll SQS allows. */
  public static final Duration DEFAULT_WAIT = Duration.ofSeconds(20);

  /** How long close() waits for pushes in flight by default (at most the visibility timeout). */
  public static final Duration DEFAULT_SHUTDOWN = Duration.ofSeconds(30);

  private static final int MAX_BATCH = 10;
  private static final Duration MIN_BACKOFF = Duration.ofMillis(200);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(20);

  private static final Logger log = LoggerFactory.getLogger(SqsPoller.class);

  private final SqsClient sqs;
  private final String queueUrl;
  private final PushWorker worker;
  private final int workers;
  private final Duration visibilityTimeout;
  private final Duration waitTime;
  private final Duration shutdownTimeout;
  private final Semaphore slots;

  private volatile boolean running;
  private Thread receiver;

  public SqsPoller(
      SqsClient sqs, String queueUrl, PushWorker worker, int workers, Duration visibilityTimeout) {
    this(
        sqs,
        queueUrl,
        worker,
        workers,
        visibilityTimeout,
        DEFAULT_WAIT,
        visibilityTimeout.compareTo(DEFAULT_SHUTDOWN) < 0 ? visibilityTimeout : DEFAULT_SHUTDOWN);
  }

  /**
   * @param waitTime how long one receive waits for messages (long polling; 0 to 20 s)
   * @param shutdownTimeout how long {@link #close()} waits for pushes in flight
   */
  public SqsPoller(
      SqsClient sqs,
      String queueUrl,
      PushWorker worker,
      int workers,
      Duration visibilityTimeout,
      Duration waitTime,
      Duration shutdownTimeout) {
    this.sqs = Objects.requireNonNull(sqs, "sqs");
    this.queueUrl = Objects.requireNonNull(queueUrl, "queueUrl");
    this.worker = Objects.requireNonNull(worker, "worker");
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be at least 1, got " + workers);
    }
    this.workers = workers;
    this.visibilityTimeout = Objects.requireNonNull(visibilityTimeout, "visibilityTimeout");
    if (waitTime.isNegative() || waitTime.compareTo(DEFAULT_WAIT) > 0) {
      throw new IllegalArgumentException("waitTime must be 0 to 20 seconds, got " + waitTime);
    }
    this.waitTime = waitTime;
    this.shutdownTimeout = Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
    this.slots = new Semaphore(workers);
  }

  /** Starts receiving on a background thread. */
  public synchronized void start() {
    if (receiver != null) {
      throw new IllegalStateException("already started");
    }
    running = true;
    receiver = Thread.ofPlatform().name("uplink-sqs-poller").daemon(false).start(this::receiveLoop);
    log.info("Polling {} with {} workers", queueUrl, workers);
  }

  /** Whether the receive loop is still running. */
  public boolean isRunning() {
    return running && receiver != null && receiver.isAlive();
  }

  /**
   * Stops receiving, then waits up to the shutdown timeout for pushes in flight. A message received
   * but not finished stays in the queue and is redelivered after its visibility timeout.
   */
  @Override
  public void close() {
    Thread thread;
    synchronized (this) {
      running = false;
      thread = receiver;
    }
    if (thread == null) {
      return;
    }
    thread.interrupt(); // cuts a long poll short
    try {
      thread.join(shutdownTimeout.toMillis() + 1);
      if (slots.tryAcquire(workers, shutdownTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        slots.release(workers);
        log.info("Poller stopped; no push in flight");
      } else {
        log.warn(
            "Poller stopped with {} push(es) still running after {}",
            workers - slots.availablePermits(),
            shutdownTimeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void receiveLoop() {
    Duration backoff = MIN_BACKOFF;
    while (running) {
      int granted = 0;
      try {
        slots.acquire();
        granted = 1 + drainUpTo(MAX_BATCH - 1);
        List<Message> messages = receive(granted);
        for (Message message : messages) {
          granted--;
          Thread.ofVirtual()
              .name("uplink-push-" + message.messageId())
              .start(() -> handle(message));
        }
        backoff = MIN_BACKOFF;
      } catch (InterruptedException e) {
        if (running) {
          log.debug("Poller interrupted while running; continuing");
        }
      } catch (RuntimeException e) {
        if (!running) {
          break; // the interrupt of close() surfaces as an SDK exception
        }
        log.warn(
            "Receiving from {} failed; trying again in {}: {}", queueUrl, backoff, e.toString());
        sleep(backoff);
        backoff =
            backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0
                ? MAX_BACKOFF
                : backoff.multipliedBy(2);
      } finally {
        if (granted > 0) {
          slots.release(granted);
        }
      }
    }
  }

  private List<Message> receive(int max) {
    return sqs.receiveMessage(
            r ->
                r.queueUrl(queueUrl)
                    .maxNumberOfMessages(max)
                    .waitTimeSeconds((int) waitTime.toSeconds())
                    .visibilityTimeout(
                        (int) Math.min(Integer.MAX_VALUE, visibilityTimeout.toSeconds())))
        .messages();
  }

  /** Runs one message on its worker slot, then gives the slot back. */
  private void handle(Message message) {
    try {
      Outcome outcome;
      try {
        outcome = worker.process(message.body());
      } catch (RuntimeException e) {
        log.error("Message {}: unexpected failure", message.messageId(), e);
        outcome = Outcome.RETRY;
      }
      if (outcome.deletesMessage()) {
        delete(message, outcome);
      } else {
        log.debug("Message {}: {}; left for redelivery", message.messageId(), outcome);
      }
    } finally {
      slots.release();
    }
  }

  private void delete(Message message, Outcome outcome) {
    try {
      sqs.deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
      log.debug("Message {}: {}; deleted", message.messageId(), outcome);
    } catch (RuntimeException e) {
      // It will be redelivered; the task is finished by then, so the worker drops it.
      log.warn(
          "Message {}: {} but deleting it failed: {}", message.messageId(), outcome, e.toString());
    }
  }

  private int drainUpTo(int max) {
    int taken = 0;
    while (taken < max && slots.tryAcquire()) {
      taken++;
    }
    return taken;
  }

  private void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      // close() interrupts; the loop checks running
    }
  }
}
