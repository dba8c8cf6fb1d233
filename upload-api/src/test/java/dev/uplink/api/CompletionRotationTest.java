package dev.uplink.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.domain.AwaitingUpload;
import dev.uplink.core.domain.TaskId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompletionRotationTest {

  private static final Instant DEADLINE = Instant.parse("2026-11-22T12:00:00Z");

  private final CompletionRotation rotation = new CompletionRotation();

  private static List<AwaitingUpload> uploadsOf(String owner, int count) {
    var uploads = new ArrayList<AwaitingUpload>();
    for (int i = 0; i < count; i++) {
      TaskId id = TaskId.newId();
      uploads.add(new AwaitingUpload(id, owner, "uploads/" + id.value(), DEADLINE, false));
    }
    return uploads;
  }

  private static List<AwaitingUpload> all(List<AwaitingUpload> first, List<AwaitingUpload> second) {
    var all = new ArrayList<>(first);
    all.addAll(second);
    return all;
  }

  @Test
  void givenOneOwnersBacklogBeforeAnothersSingleUpload_whenPicking_thenOwnersTakeTurns() {
    List<AwaitingUpload> backlog = uploadsOf("abandoner", 3_000);
    List<AwaitingUpload> finished = uploadsOf("finisher", 1);

    List<AwaitingUpload> picked = rotation.pick(all(backlog, finished), 3);

    assertThat(picked).hasSize(3).contains(finished.get(0));
    assertThat(picked.stream().filter(backlog::contains)).hasSize(2);
  }

  @Test
  void givenMoreOwnersThanTheBudget_whenPickingSweepAfterSweep_thenEachOwnerGoesFirstInTurn() {
    List<AwaitingUpload> a = uploadsOf("a", 1);
    List<AwaitingUpload> b = uploadsOf("b", 1);
    List<AwaitingUpload> c = uploadsOf("c", 1);
    List<AwaitingUpload> everyone = all(all(a, b), c);

    var firsts = new ArrayList<String>();
    for (int sweep = 0; sweep < 4; sweep++) {
      firsts.add(rotation.pick(everyone, 1).get(0).owner());
    }

    assertThat(firsts).containsExactly("a", "b", "c", "a");
  }

  @Test
  void givenAnOwnersBacklog_whenPickingSweepAfterSweep_thenEachSweepGoesOnAfterTheLastChecked() {
    List<AwaitingUpload> backlog = uploadsOf("abandoner", 5);

    List<AwaitingUpload> first = rotation.pick(backlog, 2);
    List<AwaitingUpload> second = rotation.pick(backlog, 2);
    List<AwaitingUpload> third = rotation.pick(backlog, 2);

    assertThat(first).containsExactly(backlog.get(0), backlog.get(1));
    assertThat(second).containsExactly(backlog.get(2), backlog.get(3));
    assertThat(third).containsExactly(backlog.get(4), backlog.get(0));
  }

  @Test
  void givenABudgetAboveTheCandidates_whenPicking_thenEachIsPickedOnce() {
    List<AwaitingUpload> uploads = all(uploadsOf("a", 3), uploadsOf("b", 2));

    assertThat(rotation.pick(uploads, 100)).containsExactlyInAnyOrderElementsOf(uploads);
    assertThat(rotation.pick(uploads, 0)).isEmpty();
    assertThat(rotation.pick(List.of(), 10)).isEmpty();
  }
}
