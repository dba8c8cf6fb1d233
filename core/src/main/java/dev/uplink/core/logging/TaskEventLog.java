package dev.uplink.core.logging;

import dev.uplink.core.domain.TaskEvent;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Task events as log lines: one a status change, with the task's fields ({@link TaskLogContext})
 * and the event's {@code eventId} and {@code eventType}, so {@code jq 'select(.eventType)'} follows
 * every upload.
 */
public final class TaskEventLog implements Consumer<TaskEvent> {

  private static final Logger log = LoggerFactory.getLogger(TaskEventLog.class);

  @Override
  public void accept(TaskEvent event) {
    try (var task = TaskLogContext.of(event.task());
        var id = MDC.putCloseable("eventId", event.id());
        var type = MDC.putCloseable("eventType", event.type())) {
      log.info("Event {} for task {}", event.type(), event.task().id().value());
    }
  }
}
