package dev.uplink.processor.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.amazonaws.services.lambda.runtime.Context;
import dev.uplink.core.domain.Reconciler;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.logging.InvocationLogContext;
import dev.uplink.core.testing.InMemoryTaskStore;
import dev.uplink.processor.InMemoryObjectStore;
import dev.uplink.processor.Tasks;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

class ReconcilerHandlerTest {

  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

  @Test
  void givenScheduledEvent_whenHandled_thenOneReconcilerPassRunsAndItsCountIsReturned() {
    var tasks = new InMemoryTaskStore();
    var objects = new InMemoryObjectStore();
    UploadTask stale = Tasks.pending(tasks, objects, "/srv/lost.txt", NOW.minusSeconds(600));
    Tasks.pending(tasks, objects, "/srv/fresh.txt", NOW);
    List<TaskId> published = new CopyOnWriteArrayList<>();
    var reconciler =
        new Reconciler(
            tasks,
            task -> published.add(task.id()),
            Clock.fixed(NOW, ZoneOffset.UTC),
            Duration.ofMinutes(5),
            100);

    Map<String, Integer> result =
        new ReconcilerHandler(reconciler::runOnce)
            .handleRequest(Map.of("source", "aws.events"), null);

    assertThat(result).containsEntry("republished", 1);
    assertThat(published).containsExactly(stale.id());
    assertThat(tasks.find(stale.id()).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
  }

  @Test
  void everyLineOfAnInvocationCarriesItsRequestIdAndColdStartFlag() {
    var lines = new ListAppender<ILoggingEvent>();
    lines.start();
    var logger = (Logger) LoggerFactory.getLogger(ReconcilerHandler.class);
    logger.addAppender(lines);
    Context context =
        (Context)
            Proxy.newProxyInstance(
                Context.class.getClassLoader(),
                new Class<?>[] {Context.class},
                (proxy, method, args) ->
                    method.getName().equals("getAwsRequestId") ? "req-42" : null);
    try {
      new ReconcilerHandler(() -> 0).handleRequest(Map.of(), context);
    } finally {
      logger.detachAppender(lines);
    }

    assertThat(lines.list)
        .singleElement()
        .satisfies(
            line -> {
              assertThat(line.getMDCPropertyMap())
                  .containsEntry(InvocationLogContext.REQUEST_ID, "req-42");
              assertThat(line.getMDCPropertyMap().get(InvocationLogContext.COLD_START))
                  .isIn("true", "false");
            });
    assertThat(MDC.get(InvocationLogContext.REQUEST_ID)).as("not left on the thread").isNull();
  }
}
