package dev.uplink.processor;

import static dev.uplink.core.testing.TaskBuilder.aTask;
import static dev.uplink.processor.PushWorkerBuilder.aPushWorker;
import static dev.uplink.processor.PushWorkerBuilder.productionSettings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.domain.AwaitingUpload;
import dev.uplink.core.domain.DependencyException;
import dev.uplink.core.domain.TaskConflictException;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskPage;
import dev.uplink.core.domain.TaskQuery;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.TaskStore;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.json.TaskMessage;
import dev.uplink.core.testing.InMemoryTaskStore;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * Progress reporting during a push: the stored task's {@code bytesPushed} follows the bytes the
 * target has read, a refused or failed progress write never harms the push, and none lands after
 * the task was finished. The target reads slowly in chunks, so a push lasts many progress
 * intervals; waits are polls with generous timeouts, never assertions on elapsed time.
 */
class PushProgressTest {

  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final Duration INTERVAL = Duration.ofMillis(20);
  private static final Duration PATIENCE = Duration.ofSeconds(10);
  private static final int SIZE = 64 * 1024;
  private static final int CHUNK = 1024;

  private final InMemoryTaskStore stored = new InMemoryTaskStore();
  private final ObservedTaskStore tasks = new ObservedTaskStore(stored);
  private final InMemoryObjectStore objects = new InMemoryObjectStore();
  // A heartbeat every 30 s never runs during these pushes: only progress writes do.
  private final WorkerSettings settings =
      productionSettings()
          .withVisibilityTimeout(Duration.ofSeconds(60))
          .withProgressInterval(INTERVAL);
  private final List<PushWorker> workers = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeWorkers() {
    workers.forEach(PushWorker::close);
  }

  @Test
  void
      givenSlowPush_whenRunning_thenStoredBytesPushedRisesMonotonicallyStrictlyBetweenZeroAndSize() {
    UploadTask task = pending("/srv/big.bin");
    List<Long> seen = new CopyOnWriteArrayList<>();
    var target =
        new ChunkedTarget(
            read -> {
              long now = bytesPushed(task);
              assertThat(now)
                  .as("progress never runs ahead of what the target has read")
                  .isLessThanOrEqualTo(read);
              seen.add(now);
              if (read == SIZE / 2) {
                // Halfway, hold the push until some progress is visible: robust on a busy machine.
                await(() -> bytesPushed(task) > 0, "some progress recorded mid-push");
                seen.add(bytesPushed(task));
              }
            });

    Outcome outcome = worker(target).process(delivery(task));

    assertThat(outcome).isEqualTo(Outcome.DONE);
    assertThat(target.received()).isEqualTo(SIZE);
    assertThat(seen)
        .as("bytesPushed as seen between chunks")
        .isSorted()
        .anyMatch(n -> n > 0 && n < SIZE);
    assertThat(tasks.progressWrites())
        .as("progress writes")
        .hasSizeGreaterThanOrEqualTo(1)
        .allMatch(write -> write.attempt() == 1 && !write.refused());
    assertThat(tasks.progressWrites().stream().map(ProgressWrite::bytes).toList())
        .as("each write carries a new count")
        .doesNotHaveDuplicates()
        .isSorted();
    assertThat(stored.find(task.id()).orElseThrow().status()).isEqualTo(TaskStatus.DONE);
  }

  @Test
  void givenStalledPush_whenTheCountDoesNotMove_thenItIsWrittenOnceNotEveryInterval() {
    UploadTask task = pending("/srv/stalled.bin");
    var target =
        new ChunkedTarget(
            read -> {
              if (read == SIZE / 2) {
                await(() -> bytesPushed(task) == SIZE / 2, "the halfway count recorded");
                // The target stalls for many intervals with the count unchanged.
                Thread.sleep(INTERVAL.multipliedBy(15));
              }
            });

    Outcome outcome = worker(target).process(delivery(task));

    assertThat(outcome).isEqualTo(Outcome.DONE);
    assertThat(tasks.progressWrites())
        .as("writes of the halfway count")
        .filteredOn(write -> write.bytes() == SIZE / 2)
        .hasSize(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"conflict", "outage"})
  void givenProgressWritesFail_whenPushing_thenThePushStillCompletesDone(String failure) {
    UploadTask task = pending("/srv/refused.bin");
    tasks.failProgressWith(
        () ->
            failure.equals("conflict")
                ? new TaskConflictException(task.id(), "is not held", Optional.empty())
                : new DependencyException(
                    "DynamoDB table uplink",
                    DependencyException.Reason.UNAVAILABLE,
                    SdkClientException.create("Unable to execute HTTP request")));
    var target =
        new ChunkedTarget(
            read -> {
              if (read == SIZE / 2) {
                await(() -> tasks.progressWrites().size() >= 2, "two failed progress writes");
              }
            });

    Outcome outcome = worker(target).process(delivery(task));

    assertThat(outcome).isEqualTo(Outcome.DONE);
    assertThat(target.received()).isEqualTo(SIZE);
    assertThat(tasks.progressWrites()).allMatch(ProgressWrite::refused);
    UploadTask done = stored.find(task.id()).orElseThrow();
    assertThat(done.status()).isEqualTo(TaskStatus.DONE);
    assertThat(done.lastError()).isEmpty();
  }

  @Test
  void givenProgressWriteInFlightWhenThePushEnds_whenFinished_thenNoProgressWriteAfterFinish()
      throws InterruptedException {
    UploadTask task = pending("/srv/last.bin");
    // Each progress write takes a while, so the last one is still running when the push returns.
    tasks.slowProgressBy(Duration.ofMillis(200));
    var target =
        new ChunkedTarget(
            read -> {
              if (read == SIZE) {
                int before = tasks.progressStarts();
                await(() -> tasks.progressStarts() > before, "a progress write under way");
              }
            });

    Outcome outcome = worker(target).process(delivery(task));
    // Give a leaked reporter many intervals to misbehave before looking.
    Thread.sleep(INTERVAL.multipliedBy(20));

    assertThat(outcome).isEqualTo(Outcome.DONE);
    List<String> log = tasks.log();
    assertThat(log).as("store calls in order").contains("finish DONE");
    assertThat(log.subList(log.indexOf("finish DONE") + 1, log.size()))
        .as("store calls after the finish")
        .noneMatch(call -> call.startsWith("progress"));
    assertThat(tasks.progressWrites())
        .as("progress writes")
        .isNotEmpty()
        .noneMatch(ProgressWrite::refused);
  }

  @Test
  void givenPushShorterThanOneInterval_whenProcessed_thenNoProgressWritten() {
    UploadTask task = pending("/srv/quick.bin");
    PushWorker rare =
        aPushWorker()
            .tasks(tasks)
            .objects(objects)
            .target(new ChunkedTarget(read -> {}, Duration.ZERO))
            .clock(CLOCK)
            .settings(settings.withProgressInterval(Duration.ofMinutes(1)))
            .build();
    workers.add(rare);

    assertThat(rare.process(delivery(task))).isEqualTo(Outcome.DONE);

    assertThat(tasks.progressStarts()).isZero();
  }

  // --- helpers --------------------------------------------------------------------------------

  private PushWorker worker(FileTarget target) {
    var worker =
        aPushWorker()
            .tasks(tasks)
            .objects(objects)
            .target(target)
            .clock(CLOCK)
            .settings(settings)
            .build();
    workers.add(worker);
    return worker;
  }

  private UploadTask pending(String path) {
    byte[] content = new byte[SIZE];
    new Random(path.hashCode()).nextBytes(content);
    UploadTask task =
        aTask().to("app", path).size(SIZE).sha256(Tasks.sha256(content)).createdAt(NOW).build();
    objects.put(task.objectKey(), content);
    stored.create(task);
    return task;
  }

  private long bytesPushed(UploadTask task) {
    return stored.find(task.id()).orElseThrow().bytesPushed();
  }

  private static Delivery delivery(UploadTask task) {
    return new Delivery("msg-" + task.id(), TaskMessage.bodyFor(task.id()), 1);
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Waited " + PATIENCE + " in vain for " + what);
      }
      Thread.sleep(5);
    }
  }

  /** Called by {@link ChunkedTarget} after each chunk with the bytes read so far. */
  @FunctionalInterface
  interface ChunkHook {
    void afterChunk(long read) throws InterruptedException;
  }

  /**
   * A target that reads the stream in 1 KiB chunks with a pause after each (about 0.3 s for the
   * whole file by default), like a slow link, and lets the test act between chunks.
   */
  static final class ChunkedTarget implements FileTarget {

    private final ChunkHook hook;
    private final Duration pause;
    private volatile long received;

    ChunkedTarget(ChunkHook hook) {
      this(hook, Duration.ofMillis(5));
    }

    ChunkedTarget(ChunkHook hook, Duration pause) {
      this.hook = hook;
      this.pause = pause;
    }

    @Override
    public void push(PushRequest request) throws PushException {
      InputStream content = request.content();
      byte[] chunk = new byte[CHUNK];
      long read = 0;
      try {
        for (int n = content.readNBytes(chunk, 0, CHUNK);
            n > 0;
            n = content.readNBytes(chunk, 0, CHUNK)) {
          read += n;
          hook.afterChunk(read);
          if (!pause.isZero()) {
            Thread.sleep(pause);
          }
        }
      } catch (IOException e) {
        throw new TargetUnavailableException("reading failed: " + e, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TargetUnavailableException("Interrupted while pushing", e);
      }
      received = read;
      request.verifyBeforeRename();
    }

    long received() {
      return received;
    }
  }

  /** One {@link TaskStore#recordProgress} call as it ended. */
  record ProgressWrite(int attempt, long bytes, boolean refused) {}

  /**
   * The in-memory store, observed: logs the worker's calls in the order they end, and can make
   * progress writes slow or fail. Everything else is passed through unchanged.
   */
  static final class ObservedTaskStore implements TaskStore {

    private final TaskStore delegate;
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final List<ProgressWrite> progressWrites = new CopyOnWriteArrayList<>();
    private final AtomicInteger progressStarts = new AtomicInteger();
    private volatile Supplier<RuntimeException> progressFailure;
    private volatile Duration progressDelay = Duration.ZERO;

    ObservedTaskStore(TaskStore delegate) {
      this.delegate = delegate;
    }

    void failProgressWith(Supplier<RuntimeException> failure) {
      this.progressFailure = failure;
    }

    void slowProgressBy(Duration delay) {
      this.progressDelay = delay;
    }

    List<String> log() {
      return List.copyOf(log);
    }

    List<ProgressWrite> progressWrites() {
      return List.copyOf(progressWrites);
    }

    int progressStarts() {
      return progressStarts.get();
    }

    @Override
    public void recordProgress(TaskId id, int attempt, long bytesPushed) {
      progressStarts.incrementAndGet();
      try {
        Thread.sleep(progressDelay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      try {
        Supplier<RuntimeException> failure = progressFailure;
        if (failure != null) {
          throw failure.get();
        }
        delegate.recordProgress(id, attempt, bytesPushed);
        progressWrites.add(new ProgressWrite(attempt, bytesPushed, false));
        log.add("progress " + bytesPushed);
      } catch (RuntimeException e) {
        progressWrites.add(new ProgressWrite(attempt, bytesPushed, true));
        log.add("progress " + bytesPushed + " refused: " + e);
        throw e;
      }
    }

    @Override
    public UploadTask finish(
        TaskId id, int attempt, TaskStatus to, Optional<TaskError> error, Instant now) {
      UploadTask finished = delegate.finish(id, attempt, to, error, now);
      log.add("finish " + to);
      return finished;
    }

    @Override
    public UploadTask claim(TaskId id, Instant now, Duration lease) {
      UploadTask claimed = delegate.claim(id, now, lease);
      log.add("claim");
      return claimed;
    }

    @Override
    public void create(UploadTask task) {
      delegate.create(task);
    }

    @Override
    public Optional<UploadTask> find(TaskId id) {
      return delegate.find(id);
    }

    @Override
    public Optional<UploadTask> findByIdempotencyKey(String owner, String idempotencyKey) {
      return delegate.findByIdempotencyKey(owner, idempotencyKey);
    }

    @Override
    public TaskPage list(String owner, TaskQuery query) {
      return delegate.list(owner, query);
    }

    @Override
    public List<AwaitingUpload> findAwaitingUploads(Optional<AwaitingUpload> after, int limit) {
      return delegate.findAwaitingUploads(after, limit);
    }

    @Override
    public UploadTask extendLease(TaskId id, int attempt, Instant until) {
      return delegate.extendLease(id, attempt, until);
    }

    @Override
    public UploadTask transition(
        TaskId id, TaskStatus from, TaskStatus to, Optional<TaskError> error, Instant now) {
      return delegate.transition(id, from, to, error, now);
    }

    @Override
    public List<UploadTask> findStale(Instant pendingBefore, Instant now, int limit) {
      return delegate.findStale(pendingBefore, now, limit);
    }

    @Override
    public List<UploadTask> findProcessing(int limit) {
      return delegate.findProcessing(limit);
    }
  }
}
