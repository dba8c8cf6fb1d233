package dev.uplink.infra.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.api.UploadService;
import dev.uplink.api.UploadServices;
import dev.uplink.core.aws.DynamoDbTaskStore;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.DestinationPolicy;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.infra.testing.LocalAwsExtension;
import dev.uplink.infra.testing.QueueProbe;
import dev.uplink.processor.ProcessorWiring;
import dev.uplink.processor.poller.SqsPoller;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * A poller that stops while its long poll is waiting: the queue (ElasticMQ here, real SQS alike)
 * still hands the next message to that receive. The message must come back to the queue at once,
 * not after a visibility timeout: a second poller gets it within seconds.
 */
@DisplayName("A poller stopped in the middle of a long poll")
class PollerStopTest {

  /** Long, so a message hidden by the stopped poller is told apart from one released at once. */
  private static final Duration VISIBILITY = Duration.ofSeconds(120);

  private static final Duration WITHIN_SECONDS = Duration.ofSeconds(15);

  @RegisterExtension static final LocalAwsExtension aws = LocalAwsExtension.create(VISIBILITY, 3);

  private UplinkConfig config;
  private ProcessorWiring first;
  private ProcessorWiring second;

  @BeforeEach
  void config() {
    config = aws.config(); // the local directory target
  }

  @AfterEach
  void close() {
    if (first != null) {
      first.close();
    }
    if (second != null) {
      second.close();
    }
  }

  private UploadTask upload(String path) {
    UploadService api = UploadServices.onAws(config, aws.clients());
    return api.accept(
        new Caller("alice", DestinationPolicy.allowAll()),
        Destination.of("demo", path),
        new ByteArrayInputStream(("content of " + path).getBytes(StandardCharsets.UTF_8)),
        Optional.empty());
  }

  private TaskStatus statusOf(UploadTask task) {
    return new DynamoDbTaskStore(aws.clients().dynamoDb(), aws.settings().table())
        .find(task.id())
        .orElseThrow()
        .status();
  }

  @Test
  void givenAMessageSentRightAfterTheStop_thenASecondPollerGetsItWithinSeconds() throws Exception {
    first = ProcessorWiring.create(config, aws.clients());
    SqsPoller stopping = first.poller();
    stopping.start();
    Thread.sleep(1_500); // its receive now waits on the queue (long polling, 20 s)

    CompletableFuture<Void> stopped = CompletableFuture.runAsync(stopping::close);
    Thread.sleep(300); // the stop has begun
    UploadTask task = upload("/srv/after-stop.txt");
    second = ProcessorWiring.create(config, aws.clients());
    SqsPoller next = second.poller(Duration.ofSeconds(2));
    long started = System.nanoTime();
    next.start();

    while (statusOf(task) != TaskStatus.DONE
        && System.nanoTime() - started < WITHIN_SECONDS.toNanos()) {
      Thread.sleep(100);
    }
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    LoggerFactory.getLogger(PollerStopTest.class)
        .info(
            "The task sent right after the stop was DONE {} after the second poller started", took);
    assertThat(statusOf(task))
        .as(
            "the task, %s after the second poller started (queue: %s messages)",
            took, QueueProbe.messages(aws.clients().sqs(), aws.clients().queueUrl()))
        .isEqualTo(TaskStatus.DONE);
    assertThat(took)
        .as("how long the message took to reach the second poller")
        .isLessThan(WITHIN_SECONDS);
    stopped.get();
    next.close();
  }
}
