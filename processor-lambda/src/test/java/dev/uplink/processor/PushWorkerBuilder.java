package dev.uplink.processor;

import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.domain.ObjectStore;
import dev.uplink.core.domain.TaskStore;
import dev.uplink.core.testing.InMemoryTaskStore;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * A {@link PushWorker} for tests: production's settings ({@link #productionSettings}), in-memory
 * stores, a recording target, the system clock, no metrics and no guard, unless told otherwise. A
 * test says what it changes, so what it relies on is in sight.
 */
public final class PushWorkerBuilder {

  private TaskStore tasks = new InMemoryTaskStore();
  private ObjectStore objects = new InMemoryObjectStore();
  private FileTarget target = new RecordingFileTarget();
  private Clock clock = Clock.systemUTC();
  private WorkerSettings settings = productionSettings();
  private RandomGenerator random = ThreadLocalRandom.current();
  private PushMetrics metrics = PushMetrics.NONE;
  private TaskGuard guard = TaskGuard.none();

  private PushWorkerBuilder() {}

  public static PushWorkerBuilder aPushWorker() {
    return new PushWorkerBuilder();
  }

  /**
   * What production runs with, {@link UplinkConfig}'s defaults: 300 s visibility, 5 receives, a
   * backoff capped at 300 s, holds up to 30 minutes, 8 pushes per host, progress every 2 s.
   */
  public static WorkerSettings productionSettings() {
    return WorkerSettings.from(UplinkConfig.fromEnvironment(Map.of()));
  }

  /** Production's {@link RetryPolicy}: 5 receives, 300 s backoff cap, 30 minutes' hold. */
  public static RetryPolicy productionRetryPolicy() {
    return productionSettings().retry();
  }

  public PushWorkerBuilder tasks(TaskStore tasks) {
    this.tasks = Objects.requireNonNull(tasks);
    return this;
  }

  public PushWorkerBuilder objects(ObjectStore objects) {
    this.objects = Objects.requireNonNull(objects);
    return this;
  }

  public PushWorkerBuilder target(FileTarget target) {
    this.target = Objects.requireNonNull(target);
    return this;
  }

  public PushWorkerBuilder clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock);
    return this;
  }

  public PushWorkerBuilder settings(WorkerSettings settings) {
    this.settings = Objects.requireNonNull(settings);
    return this;
  }

  public PushWorkerBuilder random(RandomGenerator random) {
    this.random = Objects.requireNonNull(random);
    return this;
  }

  public PushWorkerBuilder metrics(PushMetrics metrics) {
    this.metrics = Objects.requireNonNull(metrics);
    return this;
  }

  public PushWorkerBuilder guard(TaskGuard guard) {
    this.guard = Objects.requireNonNull(guard);
    return this;
  }

  public PushWorker build() {
    return new PushWorker(tasks, objects, target, clock, settings, random, metrics, guard);
  }
}
