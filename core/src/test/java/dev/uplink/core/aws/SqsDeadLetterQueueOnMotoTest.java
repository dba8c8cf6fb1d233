package dev.uplink.core.aws;

import static dev.uplink.core.testing.TaskBuilder.aTask;
import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.json.TaskMessage;
import dev.uplink.core.operations.DeadLetterListing;
import dev.uplink.core.operations.OperatorService;
import dev.uplink.core.operations.RedriveMethod;
import dev.uplink.core.operations.RedriveOutcome;
import dev.uplink.core.operations.RedriveReport;
import dev.uplink.core.operations.RedriveRequest;
import dev.uplink.core.testing.InMemoryTaskStore;
import dev.uplink.core.testing.MotoServer;
import java.time.Clock;
import java.util.OptionalInt;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The operators' dead-letter queue on an SQS without message moves: moto answers {@code
 * ListMessageMoveTasks} and {@code StartMessageMoveTask} with 500 (not implemented), as other
 * SQS-compatible queues answer 5xx or "unsupported". Listing and redriving still work there, by
 * receive, send and delete, and the report says so.
 */
@DisplayName("The dead-letter queue on an SQS that cannot move messages (moto)")
class SqsDeadLetterQueueOnMotoTest {

  private static MotoServer moto;
  private static SqsClient sqs;

  private String workQueueUrl;
  private String deadLetterQueueUrl;
  private SqsDeadLetterQueue deadLetters;
  private final InMemoryTaskStore tasks = new InMemoryTaskStore();

  @BeforeAll
  static void startMoto() {
    moto = MotoServer.require();
    sqs =
        SqsClient.builder()
            .endpointOverride(moto.endpoint())
            .region(Region.of(MotoServer.REGION))
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
            .httpClient(UrlConnectionHttpClient.create())
            .build();
  }

  @AfterAll
  static void stopMoto() {
    if (sqs != null) {
      sqs.close();
    }
    if (moto != null) {
      moto.close();
    }
  }

  @BeforeEach
  void createQueues() {
    String name = "work-" + UUID.randomUUID().toString().substring(0, 8);
    deadLetterQueueUrl = sqs.createQueue(r -> r.queueName(name + "-dlq")).queueUrl();
    workQueueUrl =
        sqs.createQueue(
                r ->
                    r.queueName(name)
                        .attributes(java.util.Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "30")))
            .queueUrl();
    deadLetters = new SqsDeadLetterQueue(sqs, workQueueUrl, deadLetterQueueUrl);
  }

  private OperatorService operators() {
    return new OperatorService(
        tasks, new SqsTaskQueue(sqs, workQueueUrl), deadLetters, Clock.systemUTC());
  }

  /** A FAILED task, with its message in the dead-letter queue. */
  private UploadTask deadLetteredTask() {
    UploadTask task =
        aTask()
            .in(TaskStatus.FAILED)
            .attempts(5)
            .failedWith(new TaskError("RETRIES_EXHAUSTED", "gave up"))
            .build();
    tasks.put(task);
    sqs.sendMessage(
        r -> r.queueUrl(deadLetterQueueUrl).messageBody(TaskMessage.bodyFor(task.id())));
    return task;
  }

  private int messagesIn(String queueUrl) {
    return Integer.parseInt(
        sqs.getQueueAttributes(
                r ->
                    r.queueUrl(queueUrl)
                        .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
            .attributes()
            .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
  }

  @Test
  void givenAQueueWhoseMoveApiAnswers500_thenItCannotMoveBackAndHasNoMoves() {
    assertThat(deadLetters.canMoveBack()).as("canMoveBack").isFalse();
    assertThat(deadLetters.moveTasks()).as("moveTasks").isEmpty();
  }

  @Test
  void givenAQueueWhoseMoveApiAnswers500_whenListed_thenTheMessagesAreShownWithoutALastRedrive() {
    UploadTask task = deadLetteredTask();

    DeadLetterListing listing = operators().list(10);

    assertThat(listing.lastRedrive()).as("last redrive").isEmpty();
    assertThat(listing.messages())
        .as("the dead-lettered messages")
        .singleElement()
        .satisfies(entry -> assertThat(entry.taskId()).contains(task.id()));
  }

  @Test
  void givenAQueueWhoseMoveApiAnswers500_whenEverythingIsRedriven_thenEachMessageIsSentBack() {
    UploadTask task = deadLetteredTask();

    RedriveReport report =
        operators().redrive(RedriveRequest.everything(OptionalInt.empty()), "ops");

    assertThat(report.method()).as("method").isEqualTo(RedriveMethod.RECEIVE_SEND_DELETE);
    assertThat(report.methodReason())
        .as("why not a move")
        .contains("cannot move messages by itself");
    assertThat(report.count(RedriveOutcome.RETRIED)).as("retried").isEqualTo(1);
    assertThat(tasks.find(task.id()).orElseThrow().status())
        .as("the task")
        .isEqualTo(TaskStatus.PENDING);
    assertThat(messagesIn(workQueueUrl)).as("messages in the work queue").isEqualTo(1);
    assertThat(messagesIn(deadLetterQueueUrl)).as("messages in the dead-letter queue").isZero();
  }
}
