package dev.uplink.infra.aws;

import static dev.uplink.core.testing.TaskBuilder.aTask;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.aws.DynamoDbTaskStore;
import dev.uplink.core.aws.SqsTaskQueue;
import dev.uplink.core.domain.ClaimVerdict;
import dev.uplink.core.domain.Reconciler;
import dev.uplink.core.domain.TaskConflictException;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.json.TaskMessage;
import dev.uplink.infra.testing.LocalAwsExtension;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The reconciler on DynamoDB Local and ElasticMQ: what it finds stale in the table reaches the
 * queue, and nothing else does. One test per class state, because the table is the class's own and
 * the reconciler sees all of it.
 */
class ReconcilerOnEmulatorsTest {

  @RegisterExtension static final LocalAwsExtension aws = LocalAwsExtension.create();

  private static final Duration RECONCILE_AFTER = Duration.ofMinutes(5);
  private static final Duration LEASE = Duration.ofMinutes(1);

  @Test
  void givenLostFreshExpiredAndLiveTasks_whenReconciled_thenOnlyTheLostAndExpiredArePublished() {
    var store = new DynamoDbTaskStore(aws.clients().dynamoDb(), aws.settings().table());
    var queue = new SqsTaskQueue(aws.clients().sqs(), aws.resources().queueUrl());
    Instant now = Instant.now();

    // Recorded, but the API died before sending its message.
    UploadTask neverPublished = pendingSince(now.minus(RECONCILE_AFTER).minusSeconds(1));
    store.create(neverPublished);
    // Recorded a moment ago: its message is surely still on its way.
    UploadTask fresh = pendingSince(now.minusSeconds(10));
    store.create(fresh);
    // Claimed by a worker that died: nobody extended its lease.
    UploadTask abandoned = pendingSince(now.minus(Duration.ofHours(1)));
    store.create(abandoned);
    store.claim(abandoned.id(), now.minus(LEASE).minusSeconds(30), LEASE);
    // Being pushed right now.
    UploadTask busy = pendingSince(now.minus(Duration.ofHours(1)));
    store.create(busy);
    store.claim(busy.id(), now.minusSeconds(5), LEASE);
    // Finished long ago.
    UploadTask done = pendingSince(now.minus(Duration.ofDays(1)));
    store.create(done);
    store.claim(done.id(), now.minus(Duration.ofDays(1)), LEASE);
    store.finish(done.id(), 1, TaskStatus.DONE, Optional.empty(), now.minus(Duration.ofDays(1)));

    var reconciler =
        new Reconciler(store, queue, Clock.fixed(now, ZoneOffset.UTC), RECONCILE_AFTER, 100);

    assertThat(reconciler.runOnce()).as("tasks re-published").isEqualTo(2);
    assertThat(drainQueue())
        .as("task ids on the queue")
        .containsExactlyInAnyOrder(neverPublished.id(), abandoned.id());

    // The duplicate the re-publish may cause is harmless: the claim rule lets one worker in.
    UploadTask claimed = store.claim(abandoned.id(), now, LEASE);
    assertThat(claimed.attempts()).as("the abandoned task's second attempt").isEqualTo(2);
    assertThat(claimed.claimVerdict(now.plusSeconds(1))).isEqualTo(ClaimVerdict.LEASED);
    assertThatThrownBy(() -> store.claim(abandoned.id(), now.plusSeconds(1), LEASE))
        .isInstanceOfSatisfying(
            TaskConflictException.class, e -> assertThat(e.current()).contains(claimed));

    // Next pass: the abandoned task is leased again; the never-published one is still PENDING
    // (its message is on the queue, unconsumed) and is published again: harmless, bounded by
    // the batch limit, and what keeps a lost message from stranding a task.
    assertThat(reconciler.runOnce()).isEqualTo(1);
    assertThat(drainQueue()).containsExactly(neverPublished.id());
  }

  private static UploadTask pendingSince(Instant at) {
    TaskId id = TaskId.newId();
    return aTask()
        .withId(id)
        .to("web-1", "/srv/" + id.value())
        .size(42)
        .sha256("ab".repeat(32))
        .createdAt(at)
        .build();
  }

  /** Receives and deletes every message on the queue; returns their task ids. */
  private static List<TaskId> drainQueue() {
    var sqs = aws.clients().sqs();
    String queueUrl = aws.resources().queueUrl();
    var ids = new ArrayList<TaskId>();
    while (true) {
      List<Message> messages =
          sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(1))
              .messages();
      if (messages.isEmpty()) {
        return ids;
      }
      for (Message message : messages) {
        ids.add(TaskMessage.parse(message.body()).orElseThrow());
        sqs.deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
      }
    }
  }
}
