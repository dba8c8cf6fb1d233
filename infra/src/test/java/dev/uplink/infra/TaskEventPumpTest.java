package dev.uplink.infra;

import static dev.uplink.core.testing.TaskBuilder.aTask;
import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.aws.DynamoDbTaskStore;
import dev.uplink.core.domain.TaskEvent;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.infra.testing.LocalAwsExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The local stack's task event pump")
class TaskEventPumpTest {

  @RegisterExtension static final LocalAwsExtension aws = LocalAwsExtension.create();

  private static final Duration INTERVAL = Duration.ofMillis(50);

  @TempDir Path dataDir;

  @Test
  @DisplayName("tells each status change once, and after a restart goes on where it stopped")
  void tellsEachChangeAndResumesAfterARestart() throws InterruptedException {
    var store =
        new DynamoDbTaskStore(aws.clients().dynamoDb(), aws.settings().table(), Duration.ofDays(1));
    Path positions = dataDir.resolve("task-events.positions");
    var first = new CopyOnWriteArrayList<TaskEvent>();
    UploadTask task = aTask().build();

    try (var pump = TaskEventPump.start(aws.clients(), positions, INTERVAL, first::add)) {
      store.create(task);
      UploadTask claimed = store.claim(task.id(), Instant.now(), Duration.ofMinutes(1));
      awaitUntil(() -> typesOf(task, first).size() >= 2);
      assertThat(typesOf(task, first)).containsExactly("upload.pending", "upload.processing");

      pump.close(); // the stack stops (or dies) here; the task goes on without it
      store.finish(task.id(), claimed.attempts(), TaskStatus.DONE, Optional.empty(), Instant.now());
    }
    assertThat(positions).exists();

    var second = new CopyOnWriteArrayList<TaskEvent>();
    try (var pump = TaskEventPump.start(aws.clients(), positions, INTERVAL, second::add)) {
      awaitUntil(() -> !typesOf(task, second).isEmpty());
      assertThat(typesOf(task, second)).containsExactly("upload.done");
    }
  }

  @Test
  @DisplayName("keeps its positions in a file that is replaced whole")
  void positionsSurviveInAFile() throws Exception {
    Path file = dataDir.resolve("positions");
    var positions = new FileStreamCheckpoints(file);
    positions.advance("shard-1", "000000000000000000042");
    positions.finish("shard-0");

    var reread = new FileStreamCheckpoints(file);

    assertThat(reread.position("shard-1")).contains("000000000000000000042");
    assertThat(reread.finished("shard-0")).isTrue();
    assertThat(reread.position("shard-0")).isEmpty();
    assertThat(reread.finished("shard-1")).isFalse();
    assertThat(Files.list(dataDir).map(p -> p.getFileName().toString()))
        .containsExactly("positions");
  }

  private static void awaitUntil(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waited 10 s").isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private static List<String> typesOf(UploadTask task, List<TaskEvent> events) {
    return events.stream()
        .filter(e -> e.task().id().equals(task.id()))
        .map(TaskEvent::type)
        .toList();
  }
}
