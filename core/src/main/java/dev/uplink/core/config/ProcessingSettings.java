package dev.uplink.core.config;

import static dev.uplink.core.config.Setting.flag;
import static dev.uplink.core.config.Setting.seconds;
import static dev.uplink.core.config.Setting.wholeNumber;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * How the processor retries, heartbeats, shuts down, reconciles and cleans up, and where the
 * container-mode poller serves its probes and metrics.
 *
 * @param perHostWorkers at most this many pushes to one Incus host at once (all pollers of a
 *     process together)
 * @param maxBackoff the longest a transiently failed message waits before its next attempt
 * @param shutdownGrace how long a stopping poller lets pushes in flight finish before giving them
 *     back
 * @param reconcileAfter a task PENDING for longer than this without being claimed is re-published
 * @param reconcileInterval how often the reconciler looks
 * @param taskRetention finished tasks are deleted (DynamoDB TTL) this long after they finish
 * @param keepObjects whether to keep an upload's S3 object after its task is DONE (else deleted;
 *     the bucket's lifecycle rule expires kept ones)
 * @param fifo whether the work queue is FIFO (message group = instance: one push at a time per
 *     container, in order)
 * @param metricsPort where the container-mode poller serves {@code /metrics}, {@code /healthz} and
 *     {@code /readyz} (0: any free port); empty: it serves nothing
 * @param circuitOpenAfter consecutive failures to reach an Incus host (refused, reset, timed out,
 *     5xx) that open its circuit: its tasks then wait, unclaimed, instead of using up their retries
 * @param circuitMaxHold the longest a message for a host whose circuit is open is put back at a
 *     time (holds start at {@code maxBackoff} and double with each receive)
 */
public record ProcessingSettings(
    int perHostWorkers,
    Duration maxBackoff,
    Duration shutdownGrace,
    Duration reconcileAfter,
    Duration reconcileInterval,
    Duration taskRetention,
    boolean keepObjects,
    boolean fifo,
    OptionalInt metricsPort,
    int circuitOpenAfter,
    Duration circuitMaxHold) {

  /** Consecutive failures to reach a host that open its circuit, unless told otherwise. */
  public static final int DEFAULT_CIRCUIT_OPEN_AFTER = 3;

  /** The longest hold of a message for an unreachable host, unless told otherwise. */
  public static final Duration DEFAULT_CIRCUIT_MAX_HOLD = Duration.ofMinutes(30);

  public ProcessingSettings {
    if (perHostWorkers < 1) {
      throw new IllegalArgumentException("perHostWorkers must be at least 1");
    }
    requirePositive(maxBackoff, "maxBackoff");
    Objects.requireNonNull(shutdownGrace, "shutdownGrace");
    if (shutdownGrace.isNegative()) {
      throw new IllegalArgumentException("shutdownGrace must not be negative: " + shutdownGrace);
    }
    requirePositive(reconcileAfter, "reconcileAfter");
    requirePositive(reconcileInterval, "reconcileInterval");
    requirePositive(taskRetention, "taskRetention");
    Objects.requireNonNull(metricsPort, "metricsPort");
    if (metricsPort.isPresent() && (metricsPort.getAsInt() < 0 || metricsPort.getAsInt() > 65535)) {
      throw new IllegalArgumentException("metricsPort must be 0-65535: " + metricsPort);
    }
    if (circuitOpenAfter < 1) {
      throw new IllegalArgumentException(
          "circuitOpenAfter must be at least 1: " + circuitOpenAfter);
    }
    requirePositive(circuitMaxHold, "circuitMaxHold");
  }

  /** Settings with the default circuit breaker. */
  public ProcessingSettings(
      int perHostWorkers,
      Duration maxBackoff,
      Duration shutdownGrace,
      Duration reconcileAfter,
      Duration reconcileInterval,
      Duration taskRetention,
      boolean keepObjects,
      boolean fifo,
      OptionalInt metricsPort) {
    this(
        perHostWorkers,
        maxBackoff,
        shutdownGrace,
        reconcileAfter,
        reconcileInterval,
        taskRetention,
        keepObjects,
        fifo,
        metricsPort,
        DEFAULT_CIRCUIT_OPEN_AFTER,
        DEFAULT_CIRCUIT_MAX_HOLD);
  }

  /** These settings with another circuit breaker. */
  public ProcessingSettings withCircuit(int openAfter, Duration maxHold) {
    return new ProcessingSettings(
        perHostWorkers,
        maxBackoff,
        shutdownGrace,
        reconcileAfter,
        reconcileInterval,
        taskRetention,
        keepObjects,
        fifo,
        metricsPort,
        openAfter,
        maxHold);
  }

  /** Settings of a processor that serves no probes or metrics (the Lambda, the local stack). */
  public ProcessingSettings(
      int perHostWorkers,
      Duration maxBackoff,
      Duration shutdownGrace,
      Duration reconcileAfter,
      Duration reconcileInterval,
      Duration taskRetention,
      boolean keepObjects,
      boolean fifo) {
    this(
        perHostWorkers,
        maxBackoff,
        shutdownGrace,
        reconcileAfter,
        reconcileInterval,
        taskRetention,
        keepObjects,
        fifo,
        OptionalInt.empty());
  }

  private static void requirePositive(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
  }

  /** The documented defaults: what {@link #read} gives when no variable is set. */
  public static ProcessingSettings defaults() {
    return read(Environment.empty());
  }

  /** Reads the processing variables; unset ones take their documented defaults. */
  static ProcessingSettings read(Environment env) {
    return new ProcessingSettings(
        env.read(wholeNumber("UPLINK_WORKERS_PER_HOST", 1, 1024).orElse(8)),
        env.read(seconds("UPLINK_MAX_BACKOFF", 1, 43_200).orElse(Duration.ofMinutes(5))),
        env.read(seconds("UPLINK_SHUTDOWN_GRACE", 0, 3600).orElse(Duration.ofSeconds(30))),
        env.read(seconds("UPLINK_RECONCILE_AFTER", 1, 86_400).orElse(Duration.ofMinutes(15))),
        env.read(seconds("UPLINK_RECONCILE_INTERVAL", 1, 86_400).orElse(Duration.ofMinutes(1))),
        env.read(
            wholeNumber("UPLINK_TASK_RETENTION_DAYS", 1, 3650)
                .map(Duration::ofDays)
                .orElse(Duration.ofDays(30))),
        env.read(flag("UPLINK_KEEP_OBJECTS").orElse(false)),
        env.read(flag("UPLINK_QUEUE_FIFO").orElse(false)),
        env.find(wholeNumber("UPLINK_METRICS_PORT", 0, 65535))
            .map(OptionalInt::of)
            .orElse(OptionalInt.empty()),
        env.read(
            wholeNumber("UPLINK_CIRCUIT_OPEN_AFTER", 1, 100).orElse(DEFAULT_CIRCUIT_OPEN_AFTER)),
        env.read(seconds("UPLINK_CIRCUIT_MAX_HOLD", 1, 43_200).orElse(DEFAULT_CIRCUIT_MAX_HOLD)));
  }
}
