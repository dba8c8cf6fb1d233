package dev.uplink.processor;

import dev.uplink.core.domain.UploadTask;
import java.time.Duration;
import java.time.Instant;

/**
 * What the processor counts, with the same names in every mode: tasks done, failed (by error code)
 * and retried (by error code), bytes pushed, push duration, and the time from a task's creation to
 * DONE; and the same outcomes by Incus remote ({@link #REMOTE_TASKS}). The poller and the local
 * stack keep them in Micrometer ({@link MeterPushMetrics}, served at {@code /metrics}); the Lambda
 * writes CloudWatch Embedded Metric Format lines ({@code
 * dev.uplink.processor.lambda.EmfPushMetrics}).
 */
public interface PushMetrics {

  /** Counts nothing. */
  PushMetrics NONE = new PushMetrics() {};

  String TASKS_DONE = "uplink.tasks.done";
  String TASKS_FAILED = "uplink.tasks.failed";
  String TASKS_RETRIED = "uplink.tasks.retried";
  String BYTES_PUSHED = "uplink.pushed";
  String PUSH_DURATION = "uplink.push.duration";
  String TASK_LATENCY = "uplink.task.latency";

  /** Tasks by Incus remote and outcome ({@code done}, {@code failed}, {@code retried}). */
  String REMOTE_TASKS = "uplink.remote.tasks";

  /** The label of the default remote, which has no name (a remote may not be named so). */
  String DEFAULT_REMOTE_LABEL = "default";

  /** The remote {@code task} goes to, as the per-remote metrics label it. */
  static String remoteOf(UploadTask task) {
    String remote = task.destination().remote();
    return remote.isEmpty() ? DEFAULT_REMOTE_LABEL : remote;
  }

  /** {@code task} was pushed, verified and finished DONE at {@code finishedAt}. */
  default void done(UploadTask task, Duration push, Instant finishedAt) {}

  /** {@code task} finished FAILED with the error {@code code}. */
  default void failed(UploadTask task, String code) {}

  /** An attempt at {@code task} failed with {@code code}; the task will be tried again. */
  default void retried(UploadTask task, String code) {}

  /** Publishes what was counted since the last flush, where that is how the metrics leave. */
  default void flush() {}
}
