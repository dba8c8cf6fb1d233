package dev.uplink.api;

import static dev.uplink.core.testing.TaskBuilder.aTask;
import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.domain.AwaitingUpload;
import dev.uplink.core.domain.DirectUpload;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.testing.InMemoryTaskStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The passes of the presigned-upload sweep over what the task store reads by deadline. */
class UploadSweepTest {

  private static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");

  private final InMemoryTaskStore tasks = new InMemoryTaskStore();
  private final List<TaskId> settled = new CopyOnWriteArrayList<>();
  private final List<TaskId> checked = new CopyOnWriteArrayList<>();

  /** Reads 4 entries at a time and looks at 10 uploads not yet due per pass. */
  private final UploadSweep sweep =
      new UploadSweep(
          tasks,
          4,
          10,
          upload -> settled.add(upload.id()),
          upload -> {
            checked.add(upload.id());
            return false; // nothing arrived
          });

  /** An upload of {@code owner} whose window closes {@code fromNow} after now. */
  private AwaitingUpload awaiting(String owner, Duration fromNow, boolean inParts) {
    TaskId id = TaskId.newId();
    DirectUpload upload =
        inParts
            ? DirectUpload.inParts("mpu-" + id.value(), 5 << 20, NOW.plus(fromNow))
            : DirectUpload.singlePut(NOW.plus(fromNow));
    UploadTask task =
        aTask()
            .withId(id)
            .ownedBy(owner)
            .to("web-1", "/srv/" + id.value())
            .sha256("0".repeat(64))
            .awaitingUpload(upload)
            .createdAt(NOW.minus(Duration.ofHours(1)))
            .build();
    tasks.put(task);
    return AwaitingUpload.of(task);
  }

  @Test
  void givenMoreUploadsPastTheirWindowThanAReadHolds_whenSweeping_thenEveryOneIsSettledInOnePass() {
    var due = new ArrayList<TaskId>();
    for (int i = 0; i < 9; i++) {
      due.add(awaiting("a", Duration.ofMinutes(-10 + i), i % 2 == 0).id());
    }
    awaiting("a", Duration.ofMinutes(5), false);

    int changed = sweep.run(NOW, 0);

    assertThat(settled).containsExactlyElementsOf(due);
    assertThat(changed).isEqualTo(9);
    assertThat(checked).isEmpty();
  }

  @Test
  void
      givenMoreWaitingUploadsThanAPassLooksAt_whenSweepingAgain_thenEachPassGoesOnWhereTheLastStopped() {
    var waiting = new ArrayList<AwaitingUpload>();
    for (int i = 0; i < 25; i++) {
      waiting.add(awaiting("a", Duration.ofMinutes(1 + i), false));
    }
    awaiting("a", Duration.ofMinutes(-1), false); // due: settled, never checked

    var passes = new ArrayList<List<TaskId>>();
    for (int pass = 0; pass < 4; pass++) {
      checked.clear();
      sweep.run(NOW, 100);
      passes.add(List.copyOf(checked));
    }

    List<TaskId> ids = waiting.stream().map(AwaitingUpload::id).toList();
    assertThat(new HashSet<>(passes.get(0))).isEqualTo(new HashSet<>(ids.subList(0, 10)));
    assertThat(new HashSet<>(passes.get(1))).isEqualTo(new HashSet<>(ids.subList(10, 20)));
    var third = new HashSet<>(ids.subList(20, 25));
    third.addAll(ids.subList(0, 5));
    assertThat(new HashSet<>(passes.get(2)))
        .as("the end, then round to the first")
        .isEqualTo(third);
    assertThat(new HashSet<>(passes.get(3))).isEqualTo(new HashSet<>(ids.subList(5, 15)));
  }

  @Test
  void givenFewerWaitingUploadsThanAPassLooksAt_whenSweeping_thenEveryPassLooksAtAllOfThem() {
    var waiting = new ArrayList<TaskId>();
    for (int i = 0; i < 7; i++) {
      waiting.add(awaiting(i % 2 == 0 ? "a" : "b", Duration.ofMinutes(1 + i), false).id());
    }
    awaiting("c", Duration.ofMinutes(3), true); // in parts: never checked for an object

    for (int pass = 0; pass < 3; pass++) {
      checked.clear();
      sweep.run(NOW, 100);
      assertThat(checked).as("pass %d", pass).containsExactlyInAnyOrderElementsOf(waiting);
    }
  }

  @Test
  void givenABudget_whenSweeping_thenNoMoreChecksThanIt() {
    for (int i = 0; i < 8; i++) {
      awaiting("a", Duration.ofMinutes(1 + i), false);
    }

    sweep.run(NOW, 3);

    assertThat(checked).hasSize(3);
  }
}
