package dev.uplink.processor.lambda;

import dev.uplink.core.domain.UploadTask;
import dev.uplink.processor.PushMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Supplier;
import software.amazon.cloudwatchlogs.emf.environment.LambdaEnvironment;
import software.amazon.cloudwatchlogs.emf.logger.MetricsLogger;
import software.amazon.cloudwatchlogs.emf.model.DimensionSet;
import software.amazon.cloudwatchlogs.emf.model.Unit;

/**
 * {@link PushMetrics} as CloudWatch Embedded Metric Format: what an invocation counted leaves as
 * one JSON line on standard output when the handler flushes, which CloudWatch Logs turns into
 * metrics in the {@value #NAMESPACE} namespace (no API call, no extra latency). Uses AWS's own EMF
 * library. Not thread-safe beyond what the handler needs: one invocation at a time.
 */
public final class EmfPushMetrics implements PushMetrics {

  public static final String NAMESPACE = "Uplink";

  /** The dimension of the per-code failure and retry counts. */
  public static final String ERROR_CODE = "ErrorCode";

  /** The dimension of the per-remote counts ({@link PushMetrics#remoteOf}). */
  public static final String REMOTE = "Remote";

  private final Supplier<MetricsLogger> loggers;
  private MetricsLogger current;
  private boolean recorded;

  /** Per remote, per metric name: what this invocation counted, written as one line each. */
  private final Map<String, Map<String, Integer>> byRemote = new TreeMap<>();

  /** Lines on standard output, as in Lambda. */
  public EmfPushMetrics() {
    this(() -> new MetricsLogger(new LambdaEnvironment()));
  }

  EmfPushMetrics(Supplier<MetricsLogger> loggers) {
    this.loggers = Objects.requireNonNull(loggers, "loggers");
    this.current = fresh();
  }

  private MetricsLogger fresh() {
    MetricsLogger logger = loggers.get();
    logger.setNamespace(NAMESPACE);
    logger.setDimensions(new DimensionSet());
    return logger;
  }

  @Override
  public synchronized void done(UploadTask task, Duration push, Instant finishedAt) {
    Duration sinceCreated = Duration.between(task.createdAt(), finishedAt);
    current
        .putMetric(name(TASKS_DONE), 1, Unit.COUNT)
        .putMetric(name(BYTES_PUSHED), task.size(), Unit.BYTES)
        .putMetric(name(PUSH_DURATION), push.toMillis(), Unit.MILLISECONDS)
        .putMetric(name(TASK_LATENCY), Math.max(0, sinceCreated.toMillis()), Unit.MILLISECONDS);
    recorded = true;
    countForRemote(task, TASKS_DONE);
  }

  /** Counted in the invocation's line, and at once in a line of its own by error code. */
  @Override
  public synchronized void failed(UploadTask task, String code) {
    countWithCode(name(TASKS_FAILED), code);
    countForRemote(task, TASKS_FAILED);
  }

  @Override
  public synchronized void retried(UploadTask task, String code) {
    countWithCode(name(TASKS_RETRIED), code);
    countForRemote(task, TASKS_RETRIED);
  }

  private void countWithCode(String metric, String code) {
    current.putMetric(metric, 1, Unit.COUNT);
    recorded = true;
    MetricsLogger byCode = loggers.get();
    byCode.setNamespace(NAMESPACE);
    byCode.setDimensions(DimensionSet.of(ERROR_CODE, code));
    byCode.putMetric(metric, 1, Unit.COUNT);
    byCode.flush();
  }

  private void countForRemote(UploadTask task, String metric) {
    byRemote
        .computeIfAbsent(PushMetrics.remoteOf(task), remote -> new TreeMap<>())
        .merge(name(metric), 1, Integer::sum);
  }

  /**
   * Writes the invocation's line (nothing when nothing was counted), then one line per remote it
   * pushed to, and starts anew.
   */
  @Override
  public synchronized void flush() {
    if (recorded) {
      current.flush();
    }
    byRemote.forEach(
        (remote, counts) -> {
          MetricsLogger line = loggers.get();
          line.setNamespace(NAMESPACE);
          line.setDimensions(DimensionSet.of(REMOTE, remote));
          counts.forEach((metric, count) -> line.putMetric(metric, count, Unit.COUNT));
          line.flush();
        });
    byRemote.clear();
    current = fresh();
    recorded = false;
  }

  /** The CloudWatch name of one of {@link PushMetrics}' metrics. */
  static String name(String metric) {
    return switch (metric) {
      case TASKS_DONE -> "TasksDone";
      case TASKS_FAILED -> "TasksFailed";
      case TASKS_RETRIED -> "TasksRetried";
      case BYTES_PUSHED -> "BytesPushed";
      case PUSH_DURATION -> "PushDuration";
      case TASK_LATENCY -> "TaskLatency";
      default -> throw new IllegalArgumentException("not an Uplink metric: " + metric);
    };
  }
}
