package dev.uplink.core.domain;

/** Announces tasks to the workers. Delivery is at least once: consumers must be idempotent. */
public interface TaskQueue {

  /** Publishes the task's id; returns once the queue has durably accepted it. */
  void publish(TaskId id);
}
