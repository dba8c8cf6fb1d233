package dev.uplink.processor;

import dev.uplink.core.domain.ClaimVerdict;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStore;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.logging.TaskLogContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's side of the circuit breaker ({@link HostCircuits}): probes hosts, holds the messages
 * of tasks whose host is unreachable without claiming them, and confirms an outage before a lone
 * task spends its receives finding it out.
 */
final class UnreachableHosts {

  /** Logged as the worker's: operators (and the chaos tests) read these lines by that name. */
  private static final Logger log = LoggerFactory.getLogger(PushWorker.class);

  /** Between the probes that confirm a host is down before its circuit opens. */
  private static final Duration CONFIRM_PAUSE = Duration.ofMillis(500);

  private final TaskStore tasks;
  private final FileTarget target;
  private final HostCircuits circuits;
  private final Clock clock;
  private final WorkerSettings settings;
  private final RetryPolicy retry;

  UnreachableHosts(
      TaskStore tasks,
      FileTarget target,
      HostCircuits circuits,
      Clock clock,
      WorkerSettings settings) {
    this.tasks = tasks;
    this.target = target;
    this.circuits = circuits;
    this.clock = clock;
    this.settings = settings;
    this.retry = settings.retry();
  }

  /**
   * Probes every host whose circuit is open and due a probe ({@link
   * FileTarget#checkReady(String)}); an answer closes its circuit. For a timer: the poller calls it
   * every second.
   */
  void probeOpenCircuits() {
    for (String host : circuits.dueProbes()) {
      probe(host);
    }
  }

  /** Whether {@code host} answers now; the answer goes to its circuit. */
  boolean probe(String host) {
    try {
      target.checkReady(host);
      circuits.succeeded(host);
      return true;
    } catch (TargetUnavailableException e) {
      circuits.failed(host, e.getMessage());
      return false;
    } catch (PushException | RuntimeException e) {
      // It answered, if only to refuse: reachable. The push will say what is wrong.
      log.debug("Probe of {} answered with a refusal: {}", host, e.toString());
      circuits.succeeded(host);
      return true;
    }
  }

  /**
   * While some host's circuit is open: the task is read (not claimed) to learn its host, and if
   * that host's circuit is open its message is put back for {@link RetryPolicy#hold}, the task
   * untouched (no claim, no attempt). A due probe is made here and decides. On the message's last
   * allowed receive the push is tried whatever the circuit says (the queue would dead-letter it on
   * the next receive anyway). Empty: go ahead and claim.
   */
  Optional<Outcome> holdFor(TaskId id, Delivery delivery) {
    if (!circuits.anyOpen() || retry.isLastReceive(delivery.receiveCount())) {
      return Optional.empty();
    }
    Optional<UploadTask> task;
    try {
      task = tasks.find(id);
    } catch (RuntimeException e) {
      return Optional.empty(); // the claim meets the same store and handles its failure
    }
    if (task.isEmpty() || task.get().claimVerdict(clock.instant()) != ClaimVerdict.CLAIMABLE) {
      return Optional.empty(); // a finished or leased task: the claim decides as usual
    }
    String host = target.host(task.get().destination());
    switch (circuits.admit(host)) {
      case PASS:
        return Optional.empty();
      case PROBE:
        if (probe(host)) {
          return Optional.empty();
        }
        break;
      case HOLD:
      default:
    }
    Duration hold = retry.hold(delivery.receiveCount());
    TaskLogContext.outcome("parked");
    log.info(
        "Task {}: Incus host {} unreachable since {} (circuit open); not claimed, message back in"
            + " {} (receive {} of {})",
        id,
        host,
        circuits.openSince(host).map(Instant::toString).orElse("a moment ago"),
        hold,
        delivery.receiveCount(),
        retry.maxReceiveCount());
    return Optional.of(Outcome.parked(hold));
  }

  /**
   * A failure to reach {@code host} counts for its circuit. While the circuit is still closed it is
   * confirmed at once: the host is probed until it answers or the circuit opens ({@code
   * circuitOpenAfter} failures in a row), so that a lone task does not spend its receives finding
   * out the host is down.
   */
  void failed(String host, String why) {
    circuits.failed(host, why);
    for (int probes = 1; probes < settings.circuitOpenAfter() && !circuits.isOpen(host); probes++) {
      sleep(CONFIRM_PAUSE);
      if (probe(host)) {
        return;
      }
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
