package dev.uplink.infra.aws;

import static dev.uplink.core.testing.TaskBuilder.aTask;
import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.aws.DynamoDbTaskStore;
import dev.uplink.core.aws.SqsTaskQueue;
import dev.uplink.core.domain.Reconciler;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.infra.testing.LocalAwsExtension;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A restarted local stack releasing its dead run's leases on DynamoDB Local: every PROCESSING task
 * of the table, found by {@code findProcessing} page after page (more tasks than the batch), goes
 * back to PENDING, and nothing else changes. A class of its own: the table is the class's, and the
 * release sees all of it.
 */
@DisplayName("Releasing the leases of a dead run on DynamoDB Local")
class DeadRunLeasesOnEmulatorsTest {

  @RegisterExtension static final LocalAwsExtension aws = LocalAwsExtension.create();

  private static final Duration LEASE = Duration.ofMinutes(1);

  @Test
  @DisplayName(
      "every PROCESSING task, live lease or expired, more than one batch of them, is PENDING again"
          + " with INTERRUPTED; PENDING and DONE tasks are left alone")
  void everyLeasedTaskIsReleasedAndNothingElse() {
    var store = new DynamoDbTaskStore(aws.clients().dynamoDb(), aws.settings().table());
    var queue = new SqsTaskQueue(aws.clients().sqs(), aws.resources().queueUrl());
    Instant now = Instant.now();
    List<TaskId> leased = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      UploadTask task = created(store, now.minus(Duration.ofHours(1)));
      // Two leases still running, three long expired: the dead run held them all.
      Instant claimedAt = i < 2 ? now.minusSeconds(5) : now.minus(Duration.ofMinutes(30));
      store.claim(task.id(), claimedAt, LEASE);
      leased.add(task.id());
    }
    UploadTask waiting = created(store, now.minusSeconds(30));
    UploadTask done = created(store, now.minus(Duration.ofDays(1)));
    store.claim(done.id(), now.minus(Duration.ofDays(1)), LEASE);
    store.finish(done.id(), 1, TaskStatus.DONE, Optional.empty(), now.minus(Duration.ofDays(1)));

    var reconciler =
        new Reconciler(store, queue, Clock.fixed(now, ZoneOffset.UTC), Duration.ofMinutes(5), 2);
    int released = reconciler.releaseLeasesOfDeadRun(LEASE);

    assertThat(released).isEqualTo(5);
    assertThat(leased)
        .allSatisfy(
            id -> {
              UploadTask task = store.find(id).orElseThrow();
              assertThat(task.status()).isEqualTo(TaskStatus.PENDING);
              assertThat(task.leaseUntil()).isEmpty();
              assertThat(task.lastError().map(TaskError::code)).contains(TaskError.INTERRUPTED);
            });
    assertThat(store.findProcessing(100)).isEmpty();
    assertThat(store.find(waiting.id()).orElseThrow().lastError()).isEmpty();
    assertThat(store.find(done.id()).orElseThrow().status()).isEqualTo(TaskStatus.DONE);
  }

  private static UploadTask created(DynamoDbTaskStore store, Instant at) {
    TaskId id = TaskId.newId();
    UploadTask task =
        aTask()
            .withId(id)
            .to("web-1", "/srv/" + id.value())
            .size(42)
            .sha256("ab".repeat(32))
            .createdAt(at)
            .build();
    store.create(task);
    return task;
  }
}
