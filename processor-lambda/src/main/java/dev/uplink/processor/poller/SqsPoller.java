package dev.uplink.processor.poller;

import dev.uplink.processor.AbortSignal;
import dev.uplink.processor.Heartbeat;
import dev.uplink.processor.Outcome;
import dev.uplink.processor.PushWorker;
import dev.uplink.processor.RetryPolicy;
import dev.uplink.processor.aws.ReceivedMessage;
import dev.uplink.processor.aws.SqsWorkQueue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The long-running consumer (container mode): receives from the queue and runs each message through
 * the same {@link PushWorker} as the Lambda handler, each on its own virtual thread, then applies
 * the {@link Outcome} (delete, or change the visibility and keep).
 *
 * <ul>
 *   <li><b>Concurrency</b>: at most {@code workers} messages at once, and it never receives more
 *       than it has free slots (a received message that waited would burn its visibility). The
 *       per-host cap is the worker's ({@link dev.uplink.processor.HostLimiter}).
 *   <li><b>FIFO</b>: the messages of one message group in a batch run one after another, in order,
 *       on one thread; the waiting ones are kept invisible meanwhile; after one is kept (failed,
 *       put back) the rest of its group in that batch is put back with it, unprocessed.
 *   <li><b>Reconciler</b>: optionally runs a reconciliation pass every interval, except while an
 *       Incus host's circuit is open (its tasks wait on purpose: re-publishing them would only
 *       multiply their messages).
 *   <li><b>Unreachable hosts</b>: every second the worker probes hosts whose circuit is open and
 *       due a probe ({@link PushWorker#probeOpenCircuits}). Messages put back because their host
 *       was unreachable ({@link Outcome.Kind#PARKED}, for a long hold) are remembered (their
 *       receipt handles, at most {@value ParkedMessages#MAX_PARKED}) and made visible again as soon
 *       as a circuit closes, so the tasks go ahead within a second or so of the host answering, not
 *       after their hold.
 *   <li><b>Graceful shutdown</b> ({@link #close()}): starts no new receive, lets pushes in flight
 *       finish within the shutdown grace, then aborts the rest: their tasks go back to PENDING (no
 *       error recorded) and their messages become visible at once. Nothing is left PROCESSING.
 *   <li><b>No receive is abandoned</b>: a long poll waiting when the stop begins is let return,
 *       never cut short on our side, since the queue would still hand it the next message (SQS and
 *       ElasticMQ both do) and that message would stay hidden for a whole visibility timeout.
 *       Whatever such a receive brings is released at once ({@code ChangeMessageVisibilityBatch} to
 *       0), unprocessed. So a stop takes up to the long-poll wait ({@link
 *       PollerSettings#waitTime}), in parallel with the grace.
 * </ul>
 *
 * An SQS failure is logged and retried after a short, growing pause ({@link
 * RetryPolicy#receivePause}); the poller does not die of it. At start the queue's redrive policy is
 * read and its {@code maxReceiveCount} must be the policy's ({@link
 * RetryPolicy#requireSameReceiveLimit}).
 */
public final class SqsPoller implements AutoCloseable {

  /** The longest long-poll SQS allows. */
  public static final Duration MAX_WAIT = Duration.ofSeconds(20);

  private static final int MAX_BATCH = 10;

  /** After the grace, how long aborted pushes get to give their tasks and messages back. */
  private static final Duration ABORT_WAIT = Duration.ofSeconds(10);

  /**
   * How much longer than its wait time a receive may take to come back on a stop (the HTTP round
   * trip; the SDK's own call timeout for SQS is 30 s) before the receiver is interrupted anyway.
   */
  private static final Duration RECEIVE_MARGIN = Duration.ofSeconds(10);

  /** How often hosts with an open circuit are checked for a due probe. */
  private static final Duration PROBE_TICK = Duration.ofSeconds(1);

  private static final Logger log = LoggerFactory.getLogger(SqsPoller.class);

  private final SqsWorkQueue queue;
  private final String queueUrl;
  private final PushWorker worker;
  private final RetryPolicy retry;
  private final PollerSettings settings;
  private final Semaphore slots;
  private final Map<String, AbortSignal> inFlight = new ConcurrentHashMap<>();

  private final ParkedMessages parked;

  private final CountDownLatch terminated = new CountDownLatch(1);
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofVirtual().name("uplink-poller-timer").factory());
  private final ScheduledExecutorService groupTimer =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofVirtual().name("uplink-group-timer").factory());

  private IntSupplier reconciler;
  private Duration reconcileInterval;
  private volatile boolean running;

  /** Whether the receiver is in (or about to make) a receive call, which must not be cut short. */
  private volatile boolean receiving;

  private boolean closed;
  private Thread receiver;

  /**
   * @param queue the work queue; the poller closes it when it stops (sending the pending deletes)
   * @param worker processes each message; its {@link RetryPolicy} paces failed receives too
   */
  public SqsPoller(SqsWorkQueue queue, PushWorker worker, PollerSettings settings) {
    this.queue = Objects.requireNonNull(queue, "queue");
    this.queueUrl = queue.url();
    this.worker = Objects.requireNonNull(worker, "worker");
    this.retry = worker.settings().retry();
    this.settings = Objects.requireNonNull(settings, "settings");
    this.slots = new Semaphore(settings.workers());
    this.parked = new ParkedMessages(queue.messages());
    worker.circuits().onClose(host -> parked.releaseAll());
  }

  /**
   * Runs {@code runOnce} (a reconciliation pass, returning how many tasks it re-published) every
   * {@code interval} once started. Call before {@link #start()}.
   */
  public synchronized SqsPoller withReconciler(IntSupplier runOnce, Duration interval) {
    if (receiver != null) {
      throw new IllegalStateException("already started");
    }
    this.reconciler = Objects.requireNonNull(runOnce, "runOnce");
    this.reconcileInterval = Objects.requireNonNull(interval, "interval");
    return this;
  }

  public PollerSettings settings() {
    return settings;
  }

  /**
   * Starts receiving on a background (virtual) thread. Does nothing if already closed (a stop
   * signal that arrived while the process was still starting).
   *
   * @throws dev.uplink.core.config.ConfigException if the queue dead-letters after another number
   *     of receives than the retry policy expects
   */
  public synchronized void start() {
    if (closed) {
      log.info("Poller closed before it started; not polling");
      return;
    }
    if (receiver != null) {
      throw new IllegalStateException("already started");
    }
    ReceiveLimitCheck.run(queue, retry);
    running = true;
    receiver = Thread.ofVirtual().name("uplink-sqs-receiver").start(this::receiveLoop);
    long tick = PROBE_TICK.toMillis();
    timer.scheduleWithFixedDelay(this::probe, tick, tick, TimeUnit.MILLISECONDS);
    if (reconciler != null) {
      long millis = Math.max(1, reconcileInterval.toMillis());
      timer.scheduleWithFixedDelay(this::reconcile, millis, millis, TimeUnit.MILLISECONDS);
    }
    log.info(
        "Polling {} with {} workers (fifo={}, grace {})",
        queueUrl,
        settings.workers(),
        settings.fifo(),
        settings.shutdownGrace());
  }

  /** Whether the receive loop is still running. */
  public boolean isRunning() {
    Thread thread = receiver;
    return running && thread != null && thread.isAlive();
  }

  /** Messages being processed now. */
  public int inFlight() {
    return inFlight.size();
  }

  /** Blocks until {@link #close()} has finished. */
  public void awaitTermination() throws InterruptedException {
    terminated.await();
  }

  /**
   * Starts no new receive, lets a receive in flight return (releasing what it brings at once) and
   * pushes in flight finish within the shutdown grace, then aborts the rest (tasks back to PENDING,
   * messages visible at once) and waits briefly for them to give their work back. Returns within
   * about the longer of the grace and the long-poll wait, plus a few seconds.
   */
  @Override
  public void close() {
    Thread thread;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      running = false;
      thread = receiver;
    }
    timer.shutdownNow();
    try {
      if (thread != null) {
        long graceEnds = System.nanoTime() + settings.shutdownGrace().toNanos();
        stopReceiver(thread);
        int workers = settings.workers();
        if (!awaitIdle(Duration.ofNanos(Math.max(0, graceEnds - System.nanoTime())))) {
          log.warn(
              "Shutdown grace {} is over with {} message(s) in flight; aborting and giving them"
                  + " back",
              settings.shutdownGrace(),
              inFlight.size());
          inFlight.values().forEach(a -> a.abort(AbortSignal.Reason.SHUTDOWN));
          if (!awaitIdle(ABORT_WAIT)) {
            log.error(
                "{} message(s) still in flight after the abort; their leases expire by themselves",
                workers - slots.availablePermits());
          }
        }
        log.info("Poller stopped");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      groupTimer.shutdownNow();
      queue.close();
      terminated.countDown();
    }
  }

  /**
   * Waits for the receiver to leave its loop. A receive in flight is never interrupted (the queue
   * would still hand it a message, hidden then for a visibility timeout): it returns within its
   * wait time and the loop releases what it brought. Only a receiver waiting for a free slot or
   * pausing after an error is woken. A receive that outlasts its wait by {@link #RECEIVE_MARGIN}
   * (the queue does not answer) is interrupted after all.
   */
  private void stopReceiver(Thread thread) throws InterruptedException {
    // running is false now; if the receiver has not begun a receive, it sees that before it would.
    if (!receiving) {
      thread.interrupt();
    }
    thread.join(settings.waitTime().plus(RECEIVE_MARGIN).toMillis());
    if (thread.isAlive()) {
      log.warn(
          "The receive in flight did not return within {} of its {} wait; interrupting it (a"
              + " message it is handed may stay hidden for a visibility timeout)",
          RECEIVE_MARGIN,
          settings.waitTime());
      thread.interrupt();
      thread.join(1_000);
    }
  }

  private boolean awaitIdle(Duration wait) throws InterruptedException {
    int workers = settings.workers();
    if (slots.tryAcquire(workers, Math.max(0, wait.toMillis()), TimeUnit.MILLISECONDS)) {
      slots.release(workers);
      return true;
    }
    return false;
  }

  // --- receiving --------------------------------------------------------------------------------

  private void receiveLoop() {
    int failuresInARow = 0;
    while (running) {
      int granted = 0;
      try {
        slots.acquire();
        granted = 1 + drainUpTo(MAX_BATCH - 1);
        List<ReceivedMessage> batch;
        receiving = true;
        try {
          if (!running) {
            break;
          }
          batch = receive(granted);
        } finally {
          receiving = false;
        }
        if (!running) {
          release(batch);
          break;
        }
        granted -= dispatch(batch);
        failuresInARow = 0;
      } catch (InterruptedException e) {
        if (running) {
          log.debug("Receiver interrupted while running; continuing");
        }
      } catch (RuntimeException e) {
        if (!running) {
          break; // failing while stopping (or interrupted after all): nothing to retry
        }
        Duration pause = retry.receivePause(++failuresInARow);
        log.warn(
            "Receiving from {} failed; trying again in {}: {}", queueUrl, pause, e.getMessage());
        sleep(pause);
      } finally {
        if (granted > 0) {
          slots.release(granted);
        }
      }
    }
  }

  /** Messages a receive brought after the stop began: visible again at once, unprocessed. */
  private void release(List<ReceivedMessage> batch) {
    if (batch.isEmpty()) {
      return;
    }
    var handles = new LinkedHashMap<String, String>();
    batch.forEach(m -> handles.put(m.messageId(), m.receiptHandle()));
    int failed = queue.messages().changeVisibility(handles, Duration.ZERO);
    log.info(
        "Stopping: released {} message(s) the last receive brought, unprocessed{}",
        batch.size() - failed,
        failed == 0 ? "" : " (" + failed + " could not be released and come back by themselves)");
  }

  private List<ReceivedMessage> receive(int max) {
    return queue.receive(max, settings.waitTime(), settings.visibilityTimeout());
  }

  /** Starts the batch's work; returns how many slots it took over (one per message). */
  private int dispatch(List<ReceivedMessage> batch) {
    if (!settings.fifo()) {
      for (ReceivedMessage message : batch) {
        AbortSignal abort = track(message);
        Thread.ofVirtual()
            .name("uplink-push-" + message.messageId())
            .start(() -> runOne(message, abort));
      }
      return batch.size();
    }
    Map<String, List<ReceivedMessage>> groups = new LinkedHashMap<>();
    for (ReceivedMessage message : batch) {
      String group = message.delivery().messageGroupId().orElse(message.messageId());
      groups.computeIfAbsent(group, g -> new ArrayList<>()).add(message);
    }
    for (Map.Entry<String, List<ReceivedMessage>> group : groups.entrySet()) {
      List<ReceivedMessage> inOrder = group.getValue();
      Map<ReceivedMessage, AbortSignal> signals = new LinkedHashMap<>();
      inOrder.forEach(m -> signals.put(m, track(m)));
      Thread.ofVirtual().name("uplink-group-" + group.getKey()).start(() -> runGroup(signals));
    }
    return batch.size();
  }

  private AbortSignal track(ReceivedMessage message) {
    parked.forget(message.messageId()); // back: its old receipt handle is no longer the one
    AbortSignal abort = new AbortSignal();
    inFlight.put(message.receiptHandle(), abort);
    return abort;
  }

  private void untrack(ReceivedMessage message) {
    inFlight.remove(message.receiptHandle());
    slots.release();
  }

  /** One message: process, apply the outcome, give the slot back. */
  private void runOne(ReceivedMessage message, AbortSignal abort) {
    try {
      Outcome outcome = process(message, abort);
      apply(message, outcome);
      log.debug("Message {}: {}", message.messageId(), outcome);
    } finally {
      untrack(message);
    }
  }

  /**
   * One FIFO message group's messages, in order: the waiting ones are kept invisible; after one is
   * kept, the rest go back with it, unprocessed, so none overtakes it.
   */
  private void runGroup(Map<ReceivedMessage, AbortSignal> inOrder) {
    List<ReceivedMessage> waiting = new ArrayList<>(inOrder.keySet());
    Set<ReceivedMessage> pending = ConcurrentHashMap.newKeySet();
    pending.addAll(waiting);
    Heartbeat keepInvisible =
        Heartbeat.start(
            groupTimer,
            settings.visibilityTimeout().dividedBy(2),
            () ->
                pending.forEach(
                    m ->
                        queue
                            .messages()
                            .changeVisibility(
                                m.messageId(), m.receiptHandle(), settings.visibilityTimeout())));
    Outcome kept = null;
    try {
      for (ReceivedMessage message : waiting) {
        pending.remove(message);
        try {
          if (kept != null) {
            queue
                .messages()
                .changeVisibility(message.messageId(), message.receiptHandle(), kept.visibility());
            if (kept.kind() == Outcome.Kind.PARKED) {
              parked.park(message);
            }
            continue;
          }
          Outcome outcome = process(message, inOrder.get(message));
          apply(message, outcome);
          if (!outcome.deletesMessage()) {
            kept = outcome;
          }
        } finally {
          untrack(message);
        }
      }
    } finally {
      keepInvisible.close();
    }
  }

  private void apply(ReceivedMessage message, Outcome outcome) {
    if (outcome.deletesMessage()) {
      queue.delete(message.messageId(), message.receiptHandle());
    } else {
      queue
          .messages()
          .changeVisibility(message.messageId(), message.receiptHandle(), outcome.visibility());
      if (outcome.kind() == Outcome.Kind.PARKED) {
        parked.park(message);
      }
    }
  }

  private void probe() {
    try {
      worker.probeOpenCircuits();
    } catch (RuntimeException e) {
      log.warn("Probing unreachable hosts failed; trying again: {}", e.toString());
    }
  }

  private Outcome process(ReceivedMessage message, AbortSignal abort) {
    try {
      return worker.process(
          message.delivery(),
          queue.messages().visibility(message.messageId(), message.receiptHandle()),
          abort,
          Optional.empty());
    } catch (RuntimeException e) {
      log.error("Message {}: unexpected failure", message.messageId(), e);
      return Outcome.retryAfter(Duration.ZERO);
    }
  }

  private void reconcile() {
    if (worker.circuits().anyOpen()) {
      log.info(
          "Reconciliation skipped: an Incus host is unreachable and its tasks wait on purpose");
      return;
    }
    try {
      int republished = reconciler.getAsInt();
      if (republished > 0) {
        log.info("Reconciler re-published {} task(s)", republished);
      }
    } catch (RuntimeException e) {
      log.warn("Reconciliation failed; trying again in {}: {}", reconcileInterval, e.toString());
    }
  }

  private int drainUpTo(int max) {
    int taken = 0;
    while (taken < max && slots.tryAcquire()) {
      taken++;
    }
    return taken;
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      // close() interrupts; the loop checks running
    }
  }
}
