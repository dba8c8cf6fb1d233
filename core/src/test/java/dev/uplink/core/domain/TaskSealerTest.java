package dev.uplink.core.domain;

import static dev.uplink.core.testing.TaskBuilder.aTask;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("TaskSealer")
class TaskSealerTest {

  private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");
  private static final String KEY = "k".repeat(32);
  private static final String OTHER_KEY = "o".repeat(32);
  private static final String SHA = "ab".repeat(32);

  private static final TaskSealer SEALER = TaskSealer.of(KEY);

  private static UploadTask task() {
    return aTask()
        .withId(new TaskId("01M98VKJDNN8JSQYS4BM5KWHF3"))
        .to(new Destination("web-1", "/srv/uploads/a.txt", 0640, 1000, 1000))
        .size(42)
        .sha256(SHA)
        .createdAt(NOW)
        .build();
  }

  /** {@code t} with one field replaced, everything else (the seal too) kept. */
  private static UploadTask rewritten(
      UploadTask t,
      TaskId id,
      String owner,
      Destination destination,
      String objectKey,
      long size,
      String sha256) {
    return t.toBuilder()
        .id(id)
        .owner(owner)
        .destination(destination)
        .objectKey(objectKey)
        .size(size)
        .sha256(sha256)
        .build();
  }

  static Stream<Arguments> rewrites() {
    UploadTask t = task();
    Destination d = t.destination();
    return Stream.of(
        Arguments.of(
            "id (a seal copied to another task)",
            (UnaryOperator<UploadTask>)
                x ->
                    rewritten(
                        x,
                        new TaskId("01M98VKKCYD1MA8XKYS84HCE2Y"),
                        x.owner(),
                        d,
                        x.objectKey(),
                        x.size(),
                        x.sha256())),
        Arguments.of(
            "owner",
            (UnaryOperator<UploadTask>)
                x -> rewritten(x, x.id(), "mallory", d, x.objectKey(), x.size(), x.sha256())),
        Arguments.of(
            "instance",
            (UnaryOperator<UploadTask>)
                x ->
                    rewritten(
                        x,
                        x.id(),
                        x.owner(),
                        new Destination("db-1", d.path(), d.mode(), d.uid(), d.gid()),
                        x.objectKey(),
                        x.size(),
                        x.sha256())),
        Arguments.of(
            "path",
            (UnaryOperator<UploadTask>)
                x ->
                    rewritten(
                        x,
                        x.id(),
                        x.owner(),
                        new Destination(d.instance(), "/etc/cron.d/a", d.mode(), d.uid(), d.gid()),
                        x.objectKey(),
                        x.size(),
                        x.sha256())),
        Arguments.of(
            "mode",
            (UnaryOperator<UploadTask>)
                x ->
                    rewritten(
                        x,
                        x.id(),
                        x.owner(),
                        new Destination(d.instance(), d.path(), 0777, d.uid(), d.gid()),
                        x.objectKey(),
                        x.size(),
                        x.sha256())),
        Arguments.of(
            "project",
            (UnaryOperator<UploadTask>)
                x ->
                    rewritten(
                        x,
                        x.id(),
                        x.owner(),
                        d.on(d.remote(), "other"),
                        x.objectKey(),
                        x.size(),
                        x.sha256())),
        Arguments.of(
            "remote",
            (UnaryOperator<UploadTask>)
                x ->
                    rewritten(
                        x,
                        x.id(),
                        x.owner(),
                        d.on("lab", d.project()),
                        x.objectKey(),
                        x.size(),
                        x.sha256())),
        Arguments.of(
            "uid",
            (UnaryOperator<UploadTask>)
                x ->
                    rewritten(
                        x,
                        x.id(),
                        x.owner(),
                        new Destination(d.instance(), d.path(), d.mode(), 0, d.gid()),
                        x.objectKey(),
                        x.size(),
                        x.sha256())),
        Arguments.of(
            "gid",
            (UnaryOperator<UploadTask>)
                x ->
                    rewritten(
                        x,
                        x.id(),
                        x.owner(),
                        new Destination(d.instance(), d.path(), d.mode(), d.uid(), 0),
                        x.objectKey(),
                        x.size(),
                        x.sha256())),
        Arguments.of(
            "object key (another upload's bytes)",
            (UnaryOperator<UploadTask>)
                x -> rewritten(x, x.id(), x.owner(), d, "uploads/other", x.size(), x.sha256())),
        Arguments.of(
            "size",
            (UnaryOperator<UploadTask>)
                x -> rewritten(x, x.id(), x.owner(), d, x.objectKey(), 43, x.sha256())),
        Arguments.of(
            "sha256",
            (UnaryOperator<UploadTask>)
                x -> rewritten(x, x.id(), x.owner(), d, x.objectKey(), x.size(), "cd".repeat(32))));
  }

  @Nested
  @DisplayName("verify")
  class Verify {

    @Test
    void givenTaskSealedByTheApi_thenValid() {
      assertThat(SEALER.verify(SEALER.seal(task()))).isEqualTo(TaskSealer.Verdict.VALID);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.uplink.core.domain.TaskSealerTest#rewrites")
    void givenSealedFieldRewrittenAfterSealing_thenBroken(
        String field, UnaryOperator<UploadTask> rewrite) {
      UploadTask tampered = rewrite.apply(SEALER.seal(task()));

      assertThat(SEALER.verify(tampered))
          .as("rewritten %s", field)
          .isEqualTo(TaskSealer.Verdict.BROKEN);
    }

    @Test
    void givenWorkersChangingStatusAttemptsLeaseAndTimeline_thenStillValid() {
      UploadTask sealed = SEALER.seal(task());
      UploadTask worked =
          sealed.toBuilder()
              .status(TaskStatus.PROCESSING)
              .attempts(3)
              .lastError(Optional.of(new TaskError("INCUS_UNAVAILABLE", "down")))
              .leaseUntil(Optional.of(NOW.plusSeconds(300)))
              .updatedAt(NOW.plusSeconds(10))
              .directUpload(Optional.empty())
              .bytesPushed(7)
              .idempotencyKey(Optional.of("idem-1"))
              .timeline(List.of(Transition.created(TaskStatus.PENDING, NOW)))
              .build();

      assertThat(SEALER.verify(worked)).isEqualTo(TaskSealer.Verdict.VALID);
    }

    @Test
    void givenNoSeal_thenMissing() {
      assertThat(SEALER.verify(task())).isEqualTo(TaskSealer.Verdict.MISSING);
      assertThat(TaskSealer.Verdict.MISSING.valid()).isFalse();
    }

    @Test
    void givenSealUnderAnotherKey_thenBroken() {
      UploadTask foreign = TaskSealer.of(OTHER_KEY).seal(task());

      assertThat(SEALER.verify(foreign)).isEqualTo(TaskSealer.Verdict.BROKEN);
    }

    @Test
    void givenGarbageOrUnknownVersion_thenBroken() {
      String mac = SEALER.seal(task()).seal().orElseThrow().substring(3);
      for (String seal : List.of("", "v1.", "v1.!!!", "v2." + mac, mac, "v1." + mac + "AA")) {
        assertThat(SEALER.verify(task().withSeal(seal)))
            .as("seal '%s'", seal)
            .isEqualTo(TaskSealer.Verdict.BROKEN);
      }
    }
  }

  @Nested
  @DisplayName("rotation")
  class Rotation {

    @Test
    void givenTaskSealedBeforeRotation_whenPreviousKeyConfigured_thenValidUnderPreviousKey() {
      UploadTask sealedBefore = TaskSealer.of(OTHER_KEY).seal(task());
      TaskSealer rotated = TaskSealer.of(KEY, Optional.of(OTHER_KEY));

      assertThat(rotated.verify(sealedBefore))
          .isEqualTo(TaskSealer.Verdict.VALID_UNDER_PREVIOUS_KEY);
      assertThat(rotated.verify(rotated.seal(task())))
          .as("new seals use the current key")
          .isEqualTo(TaskSealer.Verdict.VALID);
      assertThat(rotated.acceptsPreviousKey()).isTrue();
    }

    @Test
    void givenTaskSealedBeforeRotation_whenPreviousKeyDropped_thenBroken() {
      UploadTask sealedBefore = TaskSealer.of(OTHER_KEY).seal(task());

      assertThat(SEALER.verify(sealedBefore)).isEqualTo(TaskSealer.Verdict.BROKEN);
    }

    @Test
    void givenPreviousKeyEqualToCurrent_thenRefused() {
      assertThatThrownBy(() -> TaskSealer.of(KEY, Optional.of(KEY)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("previous seal key is the current one");
    }
  }

  @Nested
  @DisplayName("keys and encoding")
  class KeysAndEncoding {

    @Test
    void givenKeyShorterThan32Bytes_thenRefusedWithHowToMakeOne() {
      assertThatThrownBy(() -> TaskSealer.of("k".repeat(31)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("at least 32 bytes")
          .hasMessageContaining("openssl rand -hex 32")
          .hasMessageNotContaining("kkkk");
    }

    @Test
    void givenFieldBoundariesShifted_thenEncodingsDiffer() {
      // "/srv/a" + "b/x" and "/srv/ab" + "/x" concatenate alike; length prefixes keep them apart.
      UploadTask one =
          rewritten(task(), task().id(), "ali", task().destination(), "ce/key", 1, SHA);
      UploadTask two =
          rewritten(task(), task().id(), "alic", task().destination(), "e/key", 1, SHA);

      assertThat(TaskSealer.canonical(one)).isNotEqualTo(TaskSealer.canonical(two));
      assertThat(SEALER.seal(one).seal()).isNotEqualTo(SEALER.seal(two).seal());
    }

    @Test
    void givenTheDefaultRemoteAndProject_thenTheSealIsTheOneMadeBeforeTheyExisted() {
      // Computed by the sealer before remotes and projects existed (commit d1cb4ed): tasks sealed
      // then must still verify, so the encoding of a task on the defaults must not change.
      assertThat(SEALER.seal(task()).seal())
          .contains("v1.UrIXz72fj9aX_cZua0vAnPFRRrN5AtybzPOVudbmdog");
    }

    @Test
    void givenANamedRemoteOrProject_thenTheSealDiffersFromTheDefaultsAndVerifies() {
      Destination d = task().destination();
      UploadTask elsewhere =
          rewritten(task(), task().id(), task().owner(), d.on("", "team-a"), "key", 1, SHA);
      UploadTask atDefault = rewritten(task(), task().id(), task().owner(), d, "key", 1, SHA);

      assertThat(SEALER.seal(elsewhere).seal()).isNotEqualTo(SEALER.seal(atDefault).seal());
      assertThat(SEALER.verify(SEALER.seal(elsewhere))).isEqualTo(TaskSealer.Verdict.VALID);
    }

    @Test
    void givenSameFields_thenSameSealEveryTime() {
      assertThat(SEALER.seal(task()).seal()).isEqualTo(SEALER.seal(task()).seal());
      assertThat(SEALER.seal(task()).seal().orElseThrow()).matches("v1\\.[A-Za-z0-9_-]{43}");
    }

    @Test
    void toStringShowsNoKey() {
      assertThat(TaskSealer.of(KEY, Optional.of(OTHER_KEY)).toString())
          .doesNotContain(KEY)
          .doesNotContain(OTHER_KEY);
    }
  }
}
