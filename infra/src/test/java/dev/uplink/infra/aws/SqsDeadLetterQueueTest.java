package dev.uplink.infra.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.aws.SqsDeadLetterQueue;
import dev.uplink.core.operations.DeadLetter;
import dev.uplink.core.operations.MoveTask;
import dev.uplink.core.operations.QueueDepth;
import dev.uplink.core.operations.RedriveInProgressException;
import dev.uplink.infra.testing.LocalAwsExtension;
import dev.uplink.infra.testing.QueueProbe;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** {@link SqsDeadLetterQueue} against ElasticMQ: holds, deletes, depths and server-side moves. */
@DisplayName("The dead-letter queue on SQS (ElasticMQ)")
class SqsDeadLetterQueueTest {

  @RegisterExtension
  static final LocalAwsExtension aws = LocalAwsExtension.create(Duration.ofSeconds(30), 2);

  private SqsClient sqs;
  private String queueUrl;
  private String dlqUrl;
  private SqsDeadLetterQueue dlq;

  @BeforeEach
  void emptyQueues() {
    sqs = aws.clients().sqs();
    queueUrl = aws.resources().queueUrl();
    dlqUrl = aws.resources().deadLetterQueueUrl();
    sqs.purgeQueue(r -> r.queueUrl(queueUrl));
    sqs.purgeQueue(r -> r.queueUrl(dlqUrl));
    dlq = new SqsDeadLetterQueue(sqs, queueUrl, dlqUrl);
  }

  private void send(int count) {
    IntStream.range(0, count)
        .forEach(i -> sqs.sendMessage(r -> r.queueUrl(dlqUrl).messageBody("message " + i)));
  }

  @Test
  @DisplayName(
      "receive reads every visible message at once and holds them; release shows them again")
  void receivesEverythingAndReleases() {
    Instant before = Instant.now().minusSeconds(1);
    send(25);

    List<DeadLetter> letters = dlq.receive(100, Duration.ofSeconds(30));

    assertThat(letters).as("all 25, in more than one batch of 10").hasSize(25);
    assertThat(letters)
        .allSatisfy(
            letter -> {
              assertThat(letter.receiveCount()).isEqualTo(1);
              assertThat(letter.sentAt()).isAfter(before).isBefore(Instant.now().plusSeconds(1));
            });
    QueueDepth held = dlq.depths().deadLetterQueue();
    assertThat(held.visible()).isZero();
    assertThat(held.inFlight()).isEqualTo(25);

    dlq.hold(letters, Duration.ZERO);

    assertThat(dlq.depths().deadLetterQueue().visible()).isEqualTo(25);
    assertThat(dlq.receive(10, Duration.ofSeconds(30)))
        .as("a limit stops the read")
        .hasSize(10)
        .allSatisfy(letter -> assertThat(letter.receiveCount()).isEqualTo(2));
  }

  @Test
  @DisplayName("delete removes held messages and names those whose receipt is no longer valid")
  void deletes() {
    send(3);
    List<DeadLetter> letters = dlq.receive(10, Duration.ofSeconds(30));
    dlq.hold(letters, Duration.ZERO);
    List<DeadLetter> again = dlq.receive(10, Duration.ofSeconds(30));

    assertThat(dlq.delete(again.subList(0, 2))).isEmpty();
    DeadLetter last = again.get(2);
    var stale = new DeadLetter(last.messageId(), last.body(), 1, last.sentAt(), "not-a-receipt");

    assertThat(dlq.delete(List.of(stale))).containsExactly(last.messageId());
    assertThat(QueueProbe.messages(sqs, dlqUrl)).isEqualTo(1);
  }

  @Test
  @DisplayName("depths count both queues by name")
  void depths() {
    send(2);
    sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody("work"));

    var depths = dlq.depths();

    assertThat(depths.workQueue().queue()).isEqualTo(aws.settings().queue());
    assertThat(depths.workQueue().total()).isEqualTo(1);
    assertThat(depths.deadLetterQueue().queue()).isEqualTo(aws.settings().deadLetterQueue());
    assertThat(depths.deadLetterQueue().visible()).isEqualTo(2);
  }

  @Test
  @DisplayName("moves every message back to the work queue at a rate, one move at a time")
  void movesBack() throws Exception {
    send(3);

    assertThat(dlq.canMoveBack()).isTrue();
    MoveTask move = dlq.startMoveBack(OptionalInt.of(2));

    assertThatThrownBy(() -> dlq.startMoveBack(OptionalInt.empty()))
        .as("a second move while the first runs (2 a second, 3 messages)")
        .isInstanceOf(RedriveInProgressException.class);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    MoveTask latest = move;
    while (latest.isRunning() && System.nanoTime() < deadline) {
      Thread.sleep(100);
      latest = dlq.moveTasks().get(0);
    }
    assertThat(latest.handle()).isEqualTo(move.handle());
    assertThat(latest.status()).isEqualTo("COMPLETED");
    assertThat(latest.moved()).isEqualTo(3);
    assertThat(latest.ratePerSecond()).hasValue(2);
    assertThat(QueueProbe.messages(sqs, dlqUrl)).isZero();
    var moved =
        sqs.receiveMessage(
                r ->
                    r.queueUrl(queueUrl)
                        .maxNumberOfMessages(10)
                        .messageSystemAttributeNamesWithStrings("ApproximateReceiveCount"))
            .messages();
    assertThat(moved).hasSize(3);
    assertThat(moved)
        .as("a moved message starts its receive count afresh")
        .allSatisfy(
            m -> assertThat(m.attributesAsStrings()).containsEntry("ApproximateReceiveCount", "1"));
  }

  @Test
  @DisplayName("a FIFO dead-letter queue does not move by itself")
  void fifoDoesNotMove() {
    String name = aws.settings().deadLetterQueue() + ".fifo";
    String fifo =
        sqs.createQueue(
                r -> r.queueName(name).attributes(Map.of(QueueAttributeName.FIFO_QUEUE, "true")))
            .queueUrl();

    var fifoDlq = new SqsDeadLetterQueue(sqs, queueUrl, fifo);

    assertThat(fifoDlq.canMoveBack()).isFalse();
    assertThat(fifoDlq.moveTasks()).isEmpty();
    assertThatThrownBy(() -> fifoDlq.startMoveBack(OptionalInt.empty()))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
