package dev.uplink.core.aws;

import java.util.Optional;

/**
 * How far a {@link TaskTableStream} has read each shard of the task table's stream, kept where a
 * restarted reader finds it. A reader records a position only after the events before it were
 * handed on, so a crash repeats events and never skips one.
 */
public interface StreamCheckpoints {

  /** The sequence number of the last record handed on from {@code shardId}, if any. */
  Optional<String> position(String shardId);

  /** Whether every record of the closed shard {@code shardId} was handed on. */
  boolean finished(String shardId);

  /** Records that everything in {@code shardId} up to {@code sequenceNumber} was handed on. */
  void advance(String shardId, String sequenceNumber);

  /** Records that the closed shard {@code shardId} was read to its end. */
  void finish(String shardId);
}
