package dev.uplink.infra;

import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.aws.TaskTableStream;
import dev.uplink.core.domain.TaskEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the task table's stream on a timer and hands each {@link TaskEvent} on, in order: the local
 * stack's stand-in for the function AWS runs on the stream. Its position is kept in the data
 * directory, so a stack killed between a status write and its event tells the event after the
 * restart (at least once).
 */
final class TaskEventPump implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(TaskEventPump.class);

  private final TaskTableStream stream;
  private final Consumer<TaskEvent> sink;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("uplink-task-events").daemon().factory());
  private volatile String lastFailure = "";

  private TaskEventPump(TaskTableStream stream, Consumer<TaskEvent> sink) {
    this.stream = stream;
    this.sink = sink;
  }

  /** Reads every {@code interval}, positions in {@code positions}. */
  static TaskEventPump start(
      AwsClients clients, Path positions, Duration interval, Consumer<TaskEvent> sink) {
    var stream =
        new TaskTableStream(
            clients.dynamoDb(),
            clients.dynamoDbStreams(),
            clients.settings().table(),
            new FileStreamCheckpoints(positions));
    var pump = new TaskEventPump(stream, sink);
    pump.timer.scheduleWithFixedDelay(pump::readNew, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    return pump;
  }

  private void readNew() {
    try {
      stream.readNew(sink);
      lastFailure = "";
    } catch (RuntimeException e) {
      // Tried again on the next tick from the same position; said once per different failure.
      if (!e.toString().equals(lastFailure)) {
        lastFailure = e.toString();
        log.warn("Reading task events failed; trying again: {}", e.toString());
      }
    }
  }

  @Override
  public void close() {
    timer.shutdown();
    try {
      if (!timer.awaitTermination(10, TimeUnit.SECONDS)) {
        timer.shutdownNow();
      }
    } catch (InterruptedException e) {
      timer.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
