package dev.uplink.core.domain;

import static dev.uplink.core.testing.TaskBuilder.aTask;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.testing.InMemoryTaskStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class ReconcilerTest {

  private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
  private static final Duration AFTER = Duration.ofMinutes(5);

  private final InMemoryTaskStore tasks = new InMemoryTaskStore();
  private final RecordingQueue queue = new RecordingQueue();
  private final Reconciler reconciler =
      new Reconciler(tasks, queue, Clock.fixed(NOW, ZoneOffset.UTC), AFTER, 100);

  @Test
  void givenATaskPendingLongerThanTheThreshold_thenItsIdIsPublishedAgain() {
    UploadTask lost = add(TaskStatus.PENDING, NOW.minus(AFTER).minusMillis(1), null);

    assertThat(reconciler.runOnce()).isEqualTo(1);

    assertThat(queue.published).containsExactly(lost.id());
  }

  @Test
  void givenAFreshPendingTask_thenNothingIsPublished() {
    add(TaskStatus.PENDING, NOW.minus(AFTER).plusMillis(1), null);

    assertThat(reconciler.runOnce()).isZero();

    assertThat(queue.published).isEmpty();
  }

  @Test
  void givenProcessingTasks_thenOnlyThoseUnderAnExpiredLeaseArePublished() {
    UploadTask expired = add(TaskStatus.PROCESSING, NOW.minusSeconds(1), NOW.minusMillis(1));
    add(TaskStatus.PROCESSING, NOW.minus(Duration.ofHours(1)), NOW.plusSeconds(30));

    assertThat(reconciler.runOnce()).isEqualTo(1);

    assertThat(queue.published).containsExactly(expired.id());
  }

  @Test
  void givenFinishedTasks_thenNothingIsPublished() {
    Instant longAgo = NOW.minus(Duration.ofDays(1));
    add(TaskStatus.DONE, longAgo, null);
    add(TaskStatus.FAILED, longAgo, null);
    add(TaskStatus.CANCELLED, longAgo, null);

    assertThat(reconciler.runOnce()).isZero();
    assertThat(queue.published).isEmpty();
  }

  @Test
  void theStoreIsAskedWithTheThresholdTheLimitAndTheClocksNow() {
    reconciler.runOnce();

    assertThat(tasks.staleQueries())
        .containsExactly(new InMemoryTaskStore.StaleQuery(NOW.minus(AFTER), NOW, 100));
  }

  @Test
  void givenMoreStaleTasksThanTheLimit_thenTheOldestArePublished() {
    var small = new Reconciler(tasks, queue, Clock.fixed(NOW, ZoneOffset.UTC), AFTER, 2);
    UploadTask third = add(TaskStatus.PENDING, NOW.minus(Duration.ofMinutes(10)), null);
    UploadTask first = add(TaskStatus.PENDING, NOW.minus(Duration.ofMinutes(30)), null);
    UploadTask second =
        add(TaskStatus.PROCESSING, NOW.minus(Duration.ofMinutes(20)), NOW.minusSeconds(5));

    assertThat(small.runOnce()).isEqualTo(2);

    assertThat(queue.published).containsExactly(first.id(), second.id()).doesNotContain(third.id());
  }

  @Test
  void givenOnePublishFails_thenTheOthersAreStillPublishedAndCounted() {
    UploadTask a = add(TaskStatus.PENDING, NOW.minus(Duration.ofMinutes(30)), null);
    UploadTask b = add(TaskStatus.PENDING, NOW.minus(Duration.ofMinutes(20)), null);
    UploadTask c = add(TaskStatus.PENDING, NOW.minus(Duration.ofMinutes(10)), null);
    queue.failFor = id -> id.equals(b.id());

    assertThat(reconciler.runOnce()).isEqualTo(2);

    assertThat(queue.published).containsExactly(a.id(), c.id());
  }

  @Test
  void givenEveryPublishFails_thenTheFailureReachesTheScheduler() {
    add(TaskStatus.PENDING, NOW.minus(Duration.ofMinutes(30)), null);
    add(TaskStatus.PENDING, NOW.minus(Duration.ofMinutes(20)), null);
    queue.failFor = id -> true;

    assertThatThrownBy(reconciler::runOnce)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("queue down")
        .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
  }

  @Test
  void givenARestartOfTheOnlyProcessor_thenEveryLeasedTaskIsReleasedAtOnceAndRepublished() {
    UploadTask live = add(TaskStatus.PROCESSING, NOW.minusSeconds(10), NOW.plusSeconds(290));
    UploadTask expired = add(TaskStatus.PROCESSING, NOW.minusSeconds(400), NOW.minusSeconds(100));
    UploadTask waiting = add(TaskStatus.PENDING, NOW.minusSeconds(1), null);
    add(TaskStatus.DONE, NOW.minusSeconds(5), null);

    int released = reconciler.releaseLeasesOfDeadRun(Duration.ofSeconds(300));

    assertThat(released).isEqualTo(2);
    assertThat(tasks.staleQueries())
        .as("the PROCESSING tasks are asked for by name, not as stale ones since the epoch")
        .isEmpty();
    for (UploadTask task : List.of(live, expired)) {
      UploadTask now = tasks.find(task.id()).orElseThrow();
      assertThat(now.status()).isEqualTo(TaskStatus.PENDING);
      assertThat(now.leaseUntil()).isEmpty();
      assertThat(now.lastError().map(TaskError::code)).contains(TaskError.INTERRUPTED);
    }
    assertThat(tasks.find(waiting.id()).orElseThrow().lastError()).isEmpty();
    var restartedJustAfter =
        new Reconciler(
            tasks, queue, Clock.fixed(NOW.plusMillis(1), ZoneOffset.UTC), Duration.ZERO, 100);
    assertThat(restartedJustAfter.runOnce()).as("then re-published with the rest").isEqualTo(3);
  }

  @Test
  void givenALeaseLongerThanTheLongestLease_thenItIsNotTheDeadRunsAndIsKept() {
    UploadTask later = add(TaskStatus.PROCESSING, NOW, NOW.plusSeconds(301));

    assertThat(reconciler.releaseLeasesOfDeadRun(Duration.ofSeconds(300))).isZero();
    assertThat(tasks.find(later.id()).orElseThrow().status()).isEqualTo(TaskStatus.PROCESSING);
  }

  @Test
  void badSettingsAreRefused() {
    var clock = Clock.systemUTC();
    assertThatThrownBy(() -> new Reconciler(tasks, queue, clock, AFTER, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Reconciler(tasks, queue, clock, Duration.ofSeconds(-1), 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * A task stored as is: {@code status} since {@code updatedAt}, leased until {@code leaseUntil}.
   */
  private UploadTask add(TaskStatus status, Instant updatedAt, Instant leaseUntil) {
    var task =
        aTask()
            .in(status)
            .attempts(status == TaskStatus.PENDING ? 0 : 1)
            .leasedUntil(Optional.ofNullable(leaseUntil))
            .createdAt(updatedAt)
            .build();
    tasks.put(task);
    return task;
  }

  private static final class RecordingQueue implements TaskQueue {
    final List<TaskId> published = new CopyOnWriteArrayList<>();
    volatile Predicate<TaskId> failFor = id -> false;

    @Override
    public void publish(UploadTask task) {
      if (failFor.test(task.id())) {
        throw new IllegalStateException("queue down");
      }
      published.add(task.id());
    }
  }
}
