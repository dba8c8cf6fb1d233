package dev.uplink.processor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequest;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchResponse;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityRequest;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityResponse;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequest;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.DeleteMessageRequest;
import software.amazon.awssdk.services.sqs.model.DeleteMessageResponse;
import software.amazon.awssdk.services.sqs.model.GetQueueAttributesRequest;
import software.amazon.awssdk.services.sqs.model.GetQueueAttributesResponse;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;

/**
 * Just enough SQS for the consumers: receive (an empty receive waits like a long poll, up to the
 * request's wait time, for a message sent meanwhile, and an interrupt cuts it short as on a virtual
 * thread), delete, change visibility (one by one or in batches), and injected receive failures.
 * Messages are never redelivered.
 */
public final class FakeSqsClient implements SqsClient {

  /** A visibility change: which message, to how many seconds. */
  public record VisibilityChange(String receiptHandle, int seconds) {}

  private final Deque<Message> queue = new ArrayDeque<>();
  private final List<String> deleted = new CopyOnWriteArrayList<>();
  private final List<Integer> deleteBatchSizes = new CopyOnWriteArrayList<>();
  private final List<VisibilityChange> visibilityChanges = new CopyOnWriteArrayList<>();
  private final List<ReceiveMessageRequest> receives = new CopyOnWriteArrayList<>();
  private final AtomicInteger failuresToThrow = new AtomicInteger();
  private final AtomicInteger interruptedReceives = new AtomicInteger();
  private final List<Integer> visibilityBatchSizes = new CopyOnWriteArrayList<>();
  private volatile int redriveMaxReceiveCount;

  public void send(String id, String body) {
    send(id, body, 1, null);
  }

  /** A message as received for the {@code receiveCount}-th time, in FIFO group {@code group}. */
  public synchronized void send(String id, String body, int receiveCount, String group) {
    notifyAll(); // a waiting long poll takes it
    var attributes =
        new java.util.HashMap<MessageSystemAttributeName, String>(
            Map.of(
                MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
                Integer.toString(receiveCount)));
    if (group != null) {
      attributes.put(MessageSystemAttributeName.MESSAGE_GROUP_ID, group);
    }
    queue.add(
        Message.builder()
            .messageId(id)
            .receiptHandle("rh-" + id)
            .body(body)
            .attributes(attributes)
            .build());
  }

  public void failNextReceives(int count) {
    failuresToThrow.set(count);
  }

  /** The number of entries of each DeleteMessageBatch call, in order. */
  public List<Integer> deleteBatchSizes() {
    return List.copyOf(deleteBatchSizes);
  }

  public List<String> deletedReceiptHandles() {
    return List.copyOf(deleted);
  }

  public List<VisibilityChange> visibilityChanges() {
    return List.copyOf(visibilityChanges);
  }

  /** The visibility changes of one message, in seconds, in order. */
  public List<Integer> visibilityChangesOf(String receiptHandle) {
    return visibilityChanges.stream()
        .filter(c -> c.receiptHandle().equals(receiptHandle))
        .map(VisibilityChange::seconds)
        .toList();
  }

  public List<ReceiveMessageRequest> receives() {
    return List.copyOf(receives);
  }

  public List<Integer> requestedBatchSizes() {
    return receives.stream().map(ReceiveMessageRequest::maxNumberOfMessages).toList();
  }

  public synchronized boolean isEmpty() {
    return queue.isEmpty();
  }

  /** A queue without a redrive policy, unless {@link #redriveMaxReceiveCount} set one. */
  @Override
  public GetQueueAttributesResponse getQueueAttributes(GetQueueAttributesRequest request) {
    var attributes = new java.util.HashMap<QueueAttributeName, String>();
    if (redriveMaxReceiveCount > 0) {
      attributes.put(
          QueueAttributeName.REDRIVE_POLICY,
          "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:dlq\","
              + "\"maxReceiveCount\":\""
              + redriveMaxReceiveCount
              + "\"}");
    }
    return GetQueueAttributesResponse.builder().attributes(attributes).build();
  }

  /** The queue dead-letters after {@code count} receives (its redrive policy). */
  public void redriveMaxReceiveCount(int count) {
    this.redriveMaxReceiveCount = count;
  }

  @Override
  public ReceiveMessageResponse receiveMessage(ReceiveMessageRequest request) {
    if (failuresToThrow.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw SdkClientException.create("Unable to execute HTTP request: Connection refused");
    }
    receives.add(request);
    int waitSeconds = request.waitTimeSeconds() == null ? 0 : request.waitTimeSeconds();
    long deadline = System.nanoTime() + Math.max(20, waitSeconds * 1000L) * 1_000_000L;
    List<Message> batch = new ArrayList<>();
    synchronized (this) {
      try {
        while (queue.isEmpty() && System.nanoTime() < deadline) {
          long leftMillis = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
          wait(leftMillis);
        }
      } catch (InterruptedException e) {
        interruptedReceives.incrementAndGet();
        throw SdkClientException.create("interrupted", e);
      }
      while (batch.size() < request.maxNumberOfMessages() && !queue.isEmpty()) {
        batch.add(queue.poll());
      }
    }
    return ReceiveMessageResponse.builder().messages(batch).build();
  }

  /** Receives cut short by an interrupt (on a real queue, their messages would be lost a while). */
  public int interruptedReceives() {
    return interruptedReceives.get();
  }

  /** The number of entries of each ChangeMessageVisibilityBatch call, in order. */
  public List<Integer> visibilityBatchSizes() {
    return List.copyOf(visibilityBatchSizes);
  }

  @Override
  public ChangeMessageVisibilityBatchResponse changeMessageVisibilityBatch(
      ChangeMessageVisibilityBatchRequest request) {
    visibilityBatchSizes.add(request.entries().size());
    request
        .entries()
        .forEach(
            e ->
                visibilityChanges.add(
                    new VisibilityChange(e.receiptHandle(), e.visibilityTimeout())));
    return ChangeMessageVisibilityBatchResponse.builder().build();
  }

  @Override
  public DeleteMessageResponse deleteMessage(DeleteMessageRequest request) {
    deleted.add(request.receiptHandle());
    return DeleteMessageResponse.builder().build();
  }

  @Override
  public DeleteMessageBatchResponse deleteMessageBatch(DeleteMessageBatchRequest request) {
    deleteBatchSizes.add(request.entries().size());
    request.entries().forEach(e -> deleted.add(e.receiptHandle()));
    return DeleteMessageBatchResponse.builder().build();
  }

  @Override
  public ChangeMessageVisibilityResponse changeMessageVisibility(
      ChangeMessageVisibilityRequest request) {
    visibilityChanges.add(
        new VisibilityChange(request.receiptHandle(), request.visibilityTimeout()));
    return ChangeMessageVisibilityResponse.builder().build();
  }

  @Override
  public String serviceName() {
    return "sqs";
  }

  @Override
  public void close() {}
}
