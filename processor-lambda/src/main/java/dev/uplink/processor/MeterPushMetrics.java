package dev.uplink.processor;

import dev.uplink.core.domain.UploadTask;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** {@link PushMetrics} in a Micrometer registry (the Prometheus one serves {@code /metrics}). */
public final class MeterPushMetrics implements PushMetrics {

  private final MeterRegistry registry;
  private final Counter done;
  private final Counter bytes;
  private final Timer pushDuration;
  private final Timer latency;

  public MeterPushMetrics(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.done =
        Counter.builder(TASKS_DONE)
            .description("Tasks pushed, verified and DONE")
            .register(registry);
    this.bytes =
        Counter.builder(BYTES_PUSHED)
            .baseUnit("bytes")
            .description("Bytes pushed into instances by tasks that ended DONE")
            .register(registry);
    this.pushDuration =
        Timer.builder(PUSH_DURATION)
            .description("How long the push of a task that ended DONE took")
            .register(registry);
    this.latency =
        Timer.builder(TASK_LATENCY)
            .description("From a task's creation to DONE: queueing, retries and the push")
            .register(registry);
  }

  @Override
  public void done(UploadTask task, Duration push, Instant finishedAt) {
    done.increment();
    byRemote(task, "done");
    bytes.increment(task.size());
    pushDuration.record(push);
    Duration sinceCreated = Duration.between(task.createdAt(), finishedAt);
    latency.record(sinceCreated.isNegative() ? Duration.ZERO : sinceCreated);
  }

  @Override
  public void failed(UploadTask task, String code) {
    byRemote(task, "failed");
    Counter.builder(TASKS_FAILED)
        .description("Tasks that ended FAILED, by error code")
        .tag("code", code)
        .register(registry)
        .increment();
  }

  @Override
  public void retried(UploadTask task, String code) {
    byRemote(task, "retried");
    Counter.builder(TASKS_RETRIED)
        .description("Attempts that failed and will be tried again, by error code")
        .tag("code", code)
        .register(registry)
        .increment();
  }

  private void byRemote(UploadTask task, String outcome) {
    Counter.builder(REMOTE_TASKS)
        .description("Tasks by Incus remote and outcome (done, failed, retried)")
        .tag("remote", PushMetrics.remoteOf(task))
        .tag("outcome", outcome)
        .register(registry)
        .increment();
  }
}
