package dev.uplink.core.domain;

/** Announces tasks to the workers. Delivery is at least once: consumers must be idempotent. */
public interface TaskQueue {

  /**
   * Publishes the task's id; returns once the queue has durably accepted it. The message carries
   * only the id; a FIFO queue groups messages by the task's instance, so pushes into one container
   * run one at a time, in order.
   */
  void publish(UploadTask task);
}
