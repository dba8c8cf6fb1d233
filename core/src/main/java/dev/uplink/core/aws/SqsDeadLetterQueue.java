package dev.uplink.core.aws;

import dev.uplink.core.operations.DeadLetter;
import dev.uplink.core.operations.DeadLetterQueue;
import dev.uplink.core.operations.MoveTask;
import dev.uplink.core.operations.QueueDepth;
import dev.uplink.core.operations.QueueDepths;
import dev.uplink.core.operations.RedriveInProgressException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.ListMessageMoveTasksResultEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SqsException;

/**
 * {@link DeadLetterQueue} on SQS: the work queue's dead-letter queue, read with {@code
 * ReceiveMessage} (the hold is the visibility timeout), released with {@code
 * ChangeMessageVisibilityBatch}, deleted with {@code DeleteMessageBatch}, and moved back with
 * {@code StartMessageMoveTask} / {@code ListMessageMoveTasks}.
 *
 * <h2>Reading the whole queue</h2>
 *
 * A short poll ({@code WaitTimeSeconds=0}) answers at once but on SQS asks only some of its
 * servers, so it may come back empty while messages remain; a long poll asks all of them but waits
 * when there is nothing. {@link #receive} short-polls until a poll comes back empty and then, only
 * if it has fewer messages than the queue counted visible before it began, long-polls for {@value
 * #LONG_POLL_SECONDS} s to collect the rest. On an exact queue (ElasticMQ) it never waits.
 *
 * <h2>Moving back</h2>
 *
 * The move names the work queue as its destination explicitly (rather than "the queues these
 * messages came from"): ElasticMQ finds no source for a dead-letter queue whose redrive policy was
 * set after the work queue was created, and it is the same thing on SQS. FIFO queues move by the
 * loop ({@link #canMoveBack} is false): a FIFO message needs its group, which the loop's publish
 * sets. Nor do queues whose SQS does not offer the move API, or not now: moto answers 500 (not
 * implemented), other SQS-compatible queues 501, 400 or "unsupported"; {@link #canMoveBack} is then
 * false and redrives go by the loop, which their report names.
 *
 * <p>Queue URLs and ARNs are looked up on first use, so a missing dead-letter queue fails only the
 * operators' calls, never the uploads of a process that also serves them.
 *
 * <p>A failure of SQS is a {@link dev.uplink.core.domain.DependencyException} naming the queue (the
 * SDK's exception its cause), except where the port asks for best effort ({@link #hold}, {@link
 * #delete}).
 */
public final class SqsDeadLetterQueue implements DeadLetterQueue {

  private static final Logger log = LoggerFactory.getLogger(SqsDeadLetterQueue.class);
  private static final int BATCH = 10;
  private static final int LONG_POLL_SECONDS = 1;

  private final SqsClient sqs;
  private final Memo<String> workQueueUrl;
  private final Memo<String> deadLetterQueueUrl;
  private final Memo<String> workQueueArn;
  private final Memo<String> deadLetterQueueArn;

  /** Whether the queue can move messages back, once it said so for good; null until then. */
  private volatile Boolean moveSupport;

  /**
   * The queues whose URLs {@code workQueueUrl} and {@code deadLetterQueueUrl} give on first use.
   */
  SqsDeadLetterQueue(
      SqsClient sqs, Supplier<String> workQueueUrl, Supplier<String> deadLetterQueueUrl) {
    this.sqs = Objects.requireNonNull(sqs, "sqs");
    this.workQueueUrl = new Memo<>(workQueueUrl);
    this.deadLetterQueueUrl = new Memo<>(deadLetterQueueUrl);
    this.workQueueArn = new Memo<>(() -> arnOf(this.workQueueUrl.get()));
    this.deadLetterQueueArn = new Memo<>(() -> arnOf(this.deadLetterQueueUrl.get()));
  }

  /**
   * The dead-letter queue at {@code deadLetterQueueUrl} of the work queue at {@code workQueueUrl}.
   */
  public SqsDeadLetterQueue(SqsClient sqs, String workQueueUrl, String deadLetterQueueUrl) {
    this(
        sqs,
        constant(workQueueUrl, "workQueueUrl"),
        constant(deadLetterQueueUrl, "deadLetterQueueUrl"));
  }

  /** The queues {@code clients}' settings name, looked up on first use. */
  public static SqsDeadLetterQueue of(AwsClients clients) {
    Objects.requireNonNull(clients, "clients");
    return new SqsDeadLetterQueue(clients.sqs(), clients::queueUrl, clients::deadLetterQueueUrl);
  }

  @Override
  public List<DeadLetter> receive(int limit, Duration hold) {
    int holdSeconds = seconds(hold);
    String url = deadLetterQueueUrl.get();
    // By id: standard SQS may deliver a message twice; the later receipt is the one that counts.
    var letters = new LinkedHashMap<String, DeadLetter>();
    long visibleBefore = -1;
    while (letters.size() < limit) {
      List<Message> batch =
          receiveBatch(url, Math.min(BATCH, limit - letters.size()), holdSeconds, 0);
      if (batch.isEmpty()) {
        if (visibleBefore < 0) {
          visibleBefore = depth(url).visible() + letters.size();
        }
        if (letters.size() >= visibleBefore) {
          break;
        }
        batch =
            receiveBatch(
                url, Math.min(BATCH, limit - letters.size()), holdSeconds, LONG_POLL_SECONDS);
        if (batch.isEmpty()) {
          break;
        }
      }
      for (Message message : batch) {
        letters.put(message.messageId(), letter(message));
      }
    }
    return List.copyOf(letters.values());
  }

  private List<Message> receiveBatch(String url, int max, int holdSeconds, int waitSeconds) {
    return AwsErrors.translated(
        queue(url),
        () ->
            sqs.receiveMessage(
                    r ->
                        r.queueUrl(url)
                            .maxNumberOfMessages(max)
                            .visibilityTimeout(holdSeconds)
                            .waitTimeSeconds(waitSeconds)
                            .messageSystemAttributeNames(
                                MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
                                MessageSystemAttributeName.SENT_TIMESTAMP))
                .messages());
  }

  private static DeadLetter letter(Message message) {
    Map<MessageSystemAttributeName, String> attributes = message.attributes();
    return new DeadLetter(
        message.messageId(),
        message.body() == null ? "" : message.body(),
        parseInt(attributes.get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)),
        Instant.ofEpochMilli(parseLong(attributes.get(MessageSystemAttributeName.SENT_TIMESTAMP))),
        message.receiptHandle());
  }

  @Override
  public void hold(List<DeadLetter> letters, Duration hold) {
    int holdSeconds = seconds(hold);
    String url = deadLetterQueueUrl.get();
    for (List<DeadLetter> chunk : chunks(letters)) {
      var entries = new ArrayList<ChangeMessageVisibilityBatchRequestEntry>();
      for (int i = 0; i < chunk.size(); i++) {
        int index = i;
        entries.add(
            ChangeMessageVisibilityBatchRequestEntry.builder()
                .id("m" + index)
                .receiptHandle(chunk.get(index).receipt())
                .visibilityTimeout(holdSeconds)
                .build());
      }
      try {
        var response = sqs.changeMessageVisibilityBatch(r -> r.queueUrl(url).entries(entries));
        if (response.hasFailed() && !response.failed().isEmpty()) {
          log.debug(
              "Changing the hold of {} dead-lettered messages to {} s failed (hold ran out?): {}",
              response.failed().size(),
              holdSeconds,
              response.failed());
        }
      } catch (SdkException e) {
        // Best effort by contract: the messages are visible again when their hold runs out.
        log.warn(
            "Changing the hold of {} dead-lettered messages failed: {}",
            chunk.size(),
            e.toString());
      }
    }
  }

  @Override
  public Set<String> delete(List<DeadLetter> letters) {
    String url = deadLetterQueueUrl.get();
    var notDeleted = new HashSet<String>();
    for (List<DeadLetter> chunk : chunks(letters)) {
      var entries = new ArrayList<DeleteMessageBatchRequestEntry>();
      for (int i = 0; i < chunk.size(); i++) {
        entries.add(
            DeleteMessageBatchRequestEntry.builder()
                .id("m" + i)
                .receiptHandle(chunk.get(i).receipt())
                .build());
      }
      try {
        var response = sqs.deleteMessageBatch(r -> r.queueUrl(url).entries(entries));
        if (response.hasFailed()) {
          response
              .failed()
              .forEach(
                  failure -> {
                    int index = Integer.parseInt(failure.id().substring(1));
                    notDeleted.add(chunk.get(index).messageId());
                    log.warn(
                        "Deleting dead-lettered message {} failed: {} {}",
                        chunk.get(index).messageId(),
                        failure.code(),
                        failure.message());
                  });
        }
      } catch (SdkException e) {
        chunk.forEach(letter -> notDeleted.add(letter.messageId()));
        log.warn("Deleting {} dead-lettered messages failed: {}", chunk.size(), e.toString());
      }
    }
    return notDeleted;
  }

  @Override
  public QueueDepths depths() {
    return new QueueDepths(depth(workQueueUrl.get()), depth(deadLetterQueueUrl.get()));
  }

  private QueueDepth depth(String url) {
    Map<QueueAttributeName, String> attributes =
        AwsErrors.translated(
            queue(url),
            () ->
                sqs.getQueueAttributes(
                        r ->
                            r.queueUrl(url)
                                .attributeNames(
                                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED))
                    .attributes());
    return new QueueDepth(
        nameOf(url),
        parseLong(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)),
        parseLong(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)),
        parseLong(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)));
  }

  @Override
  public boolean canMoveBack() {
    Boolean known = moveSupport;
    if (known != null) {
      return known;
    }
    Optional<Boolean> verdict = probeMoveSupport();
    verdict.ifPresent(supported -> moveSupport = supported);
    return verdict.orElse(false);
  }

  /**
   * Whether the queue can move messages back: never for FIFO queues; otherwise whether it answers
   * {@code ListMessageMoveTasks}. Empty when the answer says nothing lasting: a server error (5xx,
   * as moto's "not implemented" 500) means no move now, and the next redrive asks again, so one bad
   * moment does not turn moves off for the life of an API process. Throttling or no answer at all
   * is an outage of SQS, which the rest of the operation would meet too: thrown.
   */
  private Optional<Boolean> probeMoveSupport() {
    if (deadLetterQueueUrl.get().endsWith(".fifo")) {
      return Optional.of(false);
    }
    try {
      listMoves();
      return Optional.of(true);
    } catch (software.amazon.awssdk.services.sqs.model.UnsupportedOperationException e) {
      noMoves("does not offer it", e);
      return Optional.of(false);
    } catch (SqsException e) {
      if (e.isThrottlingException() || e.statusCode() == 429) {
        throw AwsErrors.translate(queue(deadLetterQueueUrl.get()), e);
      }
      if (e.statusCode() >= 500) {
        noMoves("answers " + e.statusCode(), e);
        return e.statusCode() == 501 ? Optional.of(false) : Optional.empty();
      }
      if (e.statusCode() == 400 || e.statusCode() == 404 || e.statusCode() == 405) {
        noMoves("does not offer it", e);
        return Optional.of(false);
      }
      throw AwsErrors.translate(queue(deadLetterQueueUrl.get()), e);
    } catch (SdkException e) {
      throw AwsErrors.translate(queue(deadLetterQueueUrl.get()), e);
    }
  }

  private void noMoves(String why, SqsException e) {
    log.info(
        "{} cannot move messages back by itself (ListMessageMoveTasks {}: {}); they are sent back"
            + " one by one (receive, send, delete)",
        queue(deadLetterQueueUrl.get()),
        why,
        e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage());
  }

  @Override
  public MoveTask startMoveBack(OptionalInt ratePerSecond) {
    if (!canMoveBack()) {
      throw new UnsupportedOperationException(
          "this dead-letter queue cannot move messages back by itself");
    }
    Instant requested = Instant.now();
    String handle;
    try {
      handle =
          sqs.startMessageMoveTask(
                  r -> {
                    r.sourceArn(deadLetterQueueArn.get()).destinationArn(workQueueArn.get());
                    ratePerSecond.ifPresent(r::maxNumberOfMessagesPerSecond);
                  })
              .taskHandle();
    } catch (SqsException e) {
      Optional<MoveTask> running = moveTasks().stream().filter(MoveTask::isRunning).findFirst();
      if (running.isPresent()) {
        throw new RedriveInProgressException(running.get());
      }
      throw AwsErrors.translate(queue(deadLetterQueueUrl.get()), e);
    } catch (SdkException e) {
      throw AwsErrors.translate(queue(deadLetterQueueUrl.get()), e);
    }
    return moveTasks().stream()
        .filter(move -> move.handle().equals(handle))
        .findFirst()
        .orElseGet(
            () ->
                new MoveTask(
                    handle,
                    MoveTask.RUNNING,
                    0,
                    OptionalLong.empty(),
                    ratePerSecond,
                    Optional.of(requested),
                    Optional.empty()));
  }

  @Override
  public List<MoveTask> moveTasks() {
    if (!canMoveBack()) {
      return List.of();
    }
    return AwsErrors.translated(queue(deadLetterQueueUrl.get()), this::listMoves).stream()
        .map(SqsDeadLetterQueue::moveTask)
        .toList();
  }

  private List<ListMessageMoveTasksResultEntry> listMoves() {
    return sqs.listMessageMoveTasks(r -> r.sourceArn(deadLetterQueueArn.get()).maxResults(10))
        .results();
  }

  private static MoveTask moveTask(ListMessageMoveTasksResultEntry entry) {
    return new MoveTask(
        entry.taskHandle() == null ? "" : entry.taskHandle(),
        entry.status() == null ? "UNKNOWN" : entry.status(),
        entry.approximateNumberOfMessagesMoved() == null
            ? 0
            : entry.approximateNumberOfMessagesMoved(),
        entry.approximateNumberOfMessagesToMove() == null
            ? OptionalLong.empty()
            : OptionalLong.of(entry.approximateNumberOfMessagesToMove()),
        entry.maxNumberOfMessagesPerSecond() == null
            ? OptionalInt.empty()
            : OptionalInt.of(entry.maxNumberOfMessagesPerSecond()),
        Optional.ofNullable(entry.startedTimestamp()).map(Instant::ofEpochMilli),
        Optional.ofNullable(entry.failureReason()));
  }

  private String arnOf(String url) {
    String arn =
        AwsErrors.translated(
            queue(url),
            () ->
                sqs.getQueueAttributes(
                        r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                    .attributes()
                    .get(QueueAttributeName.QUEUE_ARN));
    if (arn == null) {
      throw new IllegalStateException("SQS returned no QueueArn for " + url);
    }
    return arn;
  }

  private static String nameOf(String url) {
    return url.substring(url.lastIndexOf('/') + 1);
  }

  /** The queue at {@code url} as an operator names it. */
  private static String queue(String url) {
    return "SQS queue " + nameOf(url);
  }

  private static int seconds(Duration hold) {
    Objects.requireNonNull(hold, "hold");
    if (hold.isNegative() || hold.compareTo(MAX_HOLD) > 0) {
      throw new IllegalArgumentException("a hold must be 0 to 12 hours, got " + hold);
    }
    return (int) Math.min(MAX_HOLD.toSeconds(), (hold.toMillis() + 999) / 1000);
  }

  private static <T> List<List<T>> chunks(List<T> items) {
    var chunks = new ArrayList<List<T>>();
    for (int from = 0; from < items.size(); from += BATCH) {
      chunks.add(items.subList(from, Math.min(items.size(), from + BATCH)));
    }
    return chunks;
  }

  private static int parseInt(String value) {
    return (int) Math.min(Integer.MAX_VALUE, parseLong(value));
  }

  private static long parseLong(String value) {
    if (value == null || value.isBlank()) {
      return 0;
    }
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static Supplier<String> constant(String value, String name) {
    Objects.requireNonNull(value, name);
    return () -> value;
  }

  /** A value computed on first use and kept; a failed computation is tried again next time. */
  private static final class Memo<T> {
    private final Supplier<T> compute;
    private volatile T value;

    Memo(Supplier<T> compute) {
      this.compute = compute;
    }

    T get() {
      T current = value;
      if (current == null) {
        synchronized (this) {
          current = value;
          if (current == null) {
            current = Objects.requireNonNull(compute.get());
            value = current;
          }
        }
      }
      return current;
    }
  }
}
