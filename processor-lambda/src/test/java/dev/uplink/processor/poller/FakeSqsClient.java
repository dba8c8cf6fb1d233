package dev.uplink.processor.poller;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageRequest;
import software.amazon.awssdk.services.sqs.model.DeleteMessageResponse;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest;
import software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse;

/**
 * Just enough SQS for the poller: receive (an empty receive waits a little, like a short long
 * poll), delete, and injected receive failures. Messages are never redelivered.
 */
final class FakeSqsClient implements SqsClient {

  private final Deque<Message> queue = new ArrayDeque<>();
  private final List<String> deleted = new CopyOnWriteArrayList<>();
  private final List<Integer> requestedBatchSizes = new CopyOnWriteArrayList<>();
  private final AtomicInteger failuresToThrow = new AtomicInteger();

  synchronized void send(String id, String body) {
    queue.add(Message.builder().messageId(id).receiptHandle("rh-" + id).body(body).build());
  }

  void failNextReceives(int count) {
    failuresToThrow.set(count);
  }

  List<String> deletedReceiptHandles() {
    return List.copyOf(deleted);
  }

  List<Integer> requestedBatchSizes() {
    return List.copyOf(requestedBatchSizes);
  }

  synchronized boolean isEmpty() {
    return queue.isEmpty();
  }

  @Override
  public ReceiveMessageResponse receiveMessage(ReceiveMessageRequest request) {
    if (failuresToThrow.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw SdkClientException.create("Unable to execute HTTP request: Connection refused");
    }
    requestedBatchSizes.add(request.maxNumberOfMessages());
    List<Message> batch = new ArrayList<>();
    synchronized (this) {
      while (batch.size() < request.maxNumberOfMessages() && !queue.isEmpty()) {
        batch.add(queue.poll());
      }
    }
    if (batch.isEmpty()) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        throw SdkClientException.create("interrupted", e);
      }
    }
    return ReceiveMessageResponse.builder().messages(batch).build();
  }

  @Override
  public DeleteMessageResponse deleteMessage(DeleteMessageRequest request) {
    deleted.add(request.receiptHandle());
    return DeleteMessageResponse.builder().build();
  }

  @Override
  public String serviceName() {
    return "sqs";
  }

  @Override
  public void close() {}
}
