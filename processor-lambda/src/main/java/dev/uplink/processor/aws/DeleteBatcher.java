package dev.uplink.processor.aws;

import dev.uplink.core.aws.AwsErrors;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;

/**
 * Deletes finished messages in batches of up to ten ({@code DeleteMessageBatch}): under load one
 * SQS call for ten tasks instead of ten. A delete waits at most {@link #LINGER} for company, and
 * the message is invisible meanwhile; a delete that is lost (the process dies first, or SQS refuses
 * it) only brings the message back, and the claim rule drops it (its task is finished).
 */
final class DeleteBatcher implements AutoCloseable {

  /** How long the first delete of a batch waits for others. */
  static final Duration LINGER = Duration.ofMillis(5);

  private static final int MAX_BATCH = 10;
  private static final Logger log = LoggerFactory.getLogger(DeleteBatcher.class);

  private record Delete(String messageId, String receiptHandle) {}

  private static final Delete STOP = new Delete("", "");

  private final SqsClient sqs;
  private final String queueUrl;
  private final BlockingQueue<Delete> pending = new LinkedBlockingQueue<>();
  private final Thread sender;
  private volatile boolean closed;

  DeleteBatcher(SqsClient sqs, String queueUrl) {
    this.sqs = Objects.requireNonNull(sqs, "sqs");
    this.queueUrl = Objects.requireNonNull(queueUrl, "queueUrl");
    this.sender = Thread.ofVirtual().name("uplink-sqs-deletes").start(this::sendLoop);
  }

  /** Deletes the message soon (or at once, after {@link #close()}). */
  void delete(String messageId, String receiptHandle) {
    var delete = new Delete(messageId, receiptHandle);
    if (closed) {
      send(List.of(delete));
    } else {
      pending.add(delete);
    }
  }

  /** Sends what is pending and stops. */
  @Override
  public void close() {
    closed = true;
    pending.add(STOP);
    try {
      sender.join(Duration.ofSeconds(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void sendLoop() {
    try {
      while (true) {
        Delete first = pending.take();
        List<Delete> batch = new ArrayList<>(MAX_BATCH);
        boolean stop = first == STOP;
        if (!stop) {
          batch.add(first);
        }
        long until = System.nanoTime() + LINGER.toNanos();
        while (!stop && batch.size() < MAX_BATCH) {
          Delete next = pending.poll(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
          if (next == null) {
            break;
          }
          if (next == STOP) {
            stop = true;
          } else {
            batch.add(next);
          }
        }
        if (stop) {
          pending.drainTo(batch);
          batch.remove(STOP);
          for (int from = 0; from < batch.size(); from += MAX_BATCH) {
            send(batch.subList(from, Math.min(batch.size(), from + MAX_BATCH)));
          }
          return;
        }
        send(batch);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void send(List<Delete> batch) {
    if (batch.isEmpty()) {
      return;
    }
    List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      // Ids only need to be unique within the request.
      entries.add(
          DeleteMessageBatchRequestEntry.builder()
              .id(Integer.toString(i))
              .receiptHandle(batch.get(i).receiptHandle())
              .build());
    }
    try {
      DeleteMessageBatchResponse response =
          sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(entries));
      response
          .failed()
          .forEach(
              f ->
                  log.warn(
                      "Message {}: deleting it failed (it will come back): {} {}",
                      batch.get(Integer.parseInt(f.id())).messageId(),
                      f.code(),
                      f.message()));
    } catch (RuntimeException e) {
      log.warn(
          "Deleting {} message(s) failed (they will come back): {}",
          batch.size(),
          e instanceof SdkException sdk
              ? AwsErrors.translate("SQS queue " + queueUrl, sdk).getMessage()
              : e.toString());
    }
  }
}
