package dev.uplink.core.operations;

import java.util.Objects;

/**
 * The depths of the work queue and of its dead-letter queue, read together.
 *
 * @param workQueue the queue workers receive tasks from
 * @param deadLetterQueue where the work queue moves messages received too often
 */
public record QueueDepths(QueueDepth workQueue, QueueDepth deadLetterQueue) {

  public QueueDepths {
    Objects.requireNonNull(workQueue, "workQueue");
    Objects.requireNonNull(deadLetterQueue, "deadLetterQueue");
  }
}
