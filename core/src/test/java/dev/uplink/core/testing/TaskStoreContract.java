package dev.uplink.core.testing;

import static dev.uplink.core.domain.TaskStatus.PROCESSING;
import static dev.uplink.core.testing.TaskBuilder.aTask;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.uplink.core.domain.AwaitingUpload;
import dev.uplink.core.domain.ClaimVerdict;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.DirectUpload;
import dev.uplink.core.domain.IdempotencyKeyTakenException;
import dev.uplink.core.domain.IllegalTaskTransitionException;
import dev.uplink.core.domain.TaskConflictException;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskNotFoundException;
import dev.uplink.core.domain.TaskPage;
import dev.uplink.core.domain.TaskQuery;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.TaskStore;
import dev.uplink.core.domain.Transition;
import dev.uplink.core.domain.UploadTask;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What every {@link TaskStore} does with idempotency keys, listings, progress and direct uploads:
 * written once and run against each implementation (subclass it and say how to make the store), so
 * the in-memory fake cannot drift from DynamoDB.
 *
 * <p>The store may be shared with other tests (a real table): every scenario uses owners of its
 * own, and reads of the whole store ({@link TaskStore#findAwaitingUploads}) use instants no other
 * scenario uses or keep only the tasks the scenario made.
 */
public abstract class TaskStoreContract {

  /** Now, to the second: idempotency windows are counted in whole seconds (DynamoDB's TTL). */
  private static final Instant START = Instant.now().truncatedTo(ChronoUnit.SECONDS);

  private static final Duration LEASE = Duration.ofMinutes(2);

  /** A lease or deadline no scenario's now reaches. */
  private static final Instant NEVER = Instant.parse("9000-01-01T00:00:00Z");

  private static final String SHA256 =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  /** Moves idempotency windows; starts at the real now, so a real TTL deletes nothing early. */
  protected final SettableClock clock = new SettableClock(START);

  private TaskStore store;

  /** The store under test, taking and expiring idempotency keys by {@code clock}. */
  protected abstract TaskStore newStore(Clock clock);

  @BeforeEach
  void createStore() {
    store = newStore(clock);
  }

  private static String anOwner() {
    return "owner-" + UUID.randomUUID();
  }

  private static UploadTask aPendingTask(String owner, String instance, Instant at) {
    return aTask()
        .ownedBy(owner)
        .to(new Destination(instance, "/srv/file.bin", 0640, 1000, 1001))
        .size(5_000_000_000L)
        .sha256(SHA256)
        .createdAt(at)
        .build();
  }

  private static UploadTask aPendingTask(String owner) {
    return aPendingTask(owner, "web-1", START);
  }

  private static UploadTask anAwaitingTask(String owner, Instant at, DirectUpload upload) {
    return aTask()
        .ownedBy(owner)
        .size(20_000_000L)
        .sha256(SHA256)
        .awaitingUpload(upload)
        .createdAt(at)
        .build();
  }

  private UploadTask stored(UploadTask task) {
    store.create(task);
    return task;
  }

  // ---- the new fields -------------------------------------------------------------------------

  @Test
  void aTaskWithAMultipartUploadProgressAndAKey_roundTrips() {
    UploadTask awaiting =
        anAwaitingTask(
            anOwner(),
            START,
            DirectUpload.inParts("mpu-2~abc.def", 8 * 1024 * 1024, START.plusSeconds(3600)));
    UploadTask task =
        awaiting.toBuilder()
            .status(TaskStatus.PROCESSING)
            .attempts(2)
            .lastError(Optional.of(new TaskError("INCUS_UNAVAILABLE", "refused")))
            .leaseUntil(Optional.of(START.plus(LEASE)))
            .createdAt(START)
            .updatedAt(START.plusMillis(1))
            .bytesPushed(12_345_678L)
            .idempotencyKey(Optional.of("key-" + UUID.randomUUID()))
            .timeline(
                List.of(
                    Transition.created(TaskStatus.AWAITING_UPLOAD, START),
                    new Transition(
                        START,
                        Optional.of(TaskStatus.AWAITING_UPLOAD),
                        TaskStatus.PENDING,
                        0,
                        "upload completed"),
                    new Transition(
                        START, Optional.of(TaskStatus.PENDING), PROCESSING, 1, "claimed"),
                    new Transition(
                        START,
                        Optional.of(PROCESSING),
                        TaskStatus.PENDING,
                        1,
                        "INCUS_UNAVAILABLE: x"),
                    new Transition(
                        START.plusMillis(1),
                        Optional.of(TaskStatus.PENDING),
                        PROCESSING,
                        2,
                        "claimed")))
            .build();

    store.create(task);

    assertThat(store.find(task.id())).as("the stored task").contains(task);
  }

  @Test
  void aTaskOnANamedRemoteAndProject_roundTrips() {
    UploadTask task =
        aTask()
            .ownedBy(anOwner())
            .to(new Destination("lab", "team-a", "web", "/srv/file.bin", 0600, 1000, 1000))
            .createdAt(START)
            .build();

    store.create(task);

    assertThat(store.find(task.id())).as("the stored task").contains(task);
  }

  @Test
  void aTaskWithASinglePutUploadAndNoKey_roundTrips() {
    UploadTask task =
        anAwaitingTask(
            anOwner(), START, DirectUpload.singlePut(Instant.parse("2026-11-22T10:15:30.5Z")));

    store.create(task);

    assertThat(store.find(task.id())).as("the stored task").contains(task);
    assertThat(store.find(task.id()).orElseThrow().directUpload().orElseThrow().isMultipart())
        .isFalse();
  }

  @Test
  void aSealedTaskKeepsItsSealThroughClaimFinishAndRetry() {
    String seal = "v1.sealed-by-the-api-" + UUID.randomUUID();
    UploadTask task = stored(aPendingTask(anOwner()).withSeal(seal));

    assertThat(store.find(task.id())).as("as created").contains(task);
    UploadTask claimed = store.claim(task.id(), START, LEASE);
    assertThat(claimed.seal()).as("the claimed task's seal").contains(seal);
    store.finish(
        task.id(),
        claimed.attempts(),
        TaskStatus.FAILED,
        Optional.of(new TaskError("X", "y")),
        START);
    UploadTask retried =
        store.transition(task.id(), TaskStatus.FAILED, TaskStatus.PENDING, Optional.empty(), START);
    assertThat(retried.seal()).as("after a failure and a retry").contains(seal);
    assertThat(store.find(task.id()).orElseThrow().seal()).contains(seal);
  }

  @Test
  void anUnsealedTaskStaysUnsealed() {
    UploadTask task = stored(aPendingTask(anOwner()));

    assertThat(store.claim(task.id(), START, LEASE).seal()).isEmpty();
  }

  // ---- idempotency keys -----------------------------------------------------------------------

  @Test
  void givenAKeyTaken_whenAnotherTaskIsCreatedUnderIt_thenRefusedNamingTheFirstAndNothingStored() {
    String owner = anOwner();
    UploadTask first = stored(aPendingTask(owner).withIdempotencyKey("k1"));
    UploadTask second = aPendingTask(owner).withIdempotencyKey("k1");

    assertThatThrownBy(() -> store.create(second))
        .isInstanceOfSatisfying(
            IdempotencyKeyTakenException.class,
            e -> assertThat(e.existing()).as("the task the key names").isEqualTo(first.id()));

    assertThat(store.find(second.id())).as("the second task").isEmpty();
    assertThat(store.find(first.id())).as("the first task, untouched").contains(first);
    assertThat(store.findByIdempotencyKey(owner, "k1")).as("the key's task").contains(first);
  }

  @Test
  void givenOneOwnersKey_whenAnotherOwnerUsesTheSameKey_thenBothTasksAreStored() {
    String alice = anOwner();
    String bob = anOwner();
    UploadTask alices = stored(aPendingTask(alice).withIdempotencyKey("same"));

    UploadTask bobs = stored(aPendingTask(bob).withIdempotencyKey("same"));

    assertThat(store.find(bobs.id())).contains(bobs);
    assertThat(store.findByIdempotencyKey(alice, "same")).contains(alices);
    assertThat(store.findByIdempotencyKey(bob, "same")).contains(bobs);
  }

  @Test
  void givenTheSameTaskCreatedTwiceUnderItsKey_thenTheTaskConflictsAndTheKeyStillNamesIt() {
    String owner = anOwner();
    UploadTask task = stored(aPendingTask(owner).withIdempotencyKey("again"));

    assertThatThrownBy(() -> store.create(task))
        .isInstanceOfSatisfying(
            TaskConflictException.class,
            e -> assertThat(e.current()).as("the record already stored").contains(task));
    assertThat(store.findByIdempotencyKey(owner, "again")).contains(task);
  }

  @Test
  void givenAnExistingId_whenCreatedUnderAFreeKey_thenConflictAndTheKeyStaysFree() {
    String owner = anOwner();
    UploadTask task = stored(aPendingTask(owner));

    assertThatThrownBy(() -> store.create(task.withIdempotencyKey("free")))
        .isInstanceOf(TaskConflictException.class);

    assertThat(store.findByIdempotencyKey(owner, "free")).as("the key").isEmpty();
    assertThat(store.find(task.id())).as("the task, untouched").contains(task);
  }

  @Test
  void givenATaskCreatedWithoutAKey_thenNoKeyFindsIt() {
    String owner = anOwner();
    stored(aPendingTask(owner));

    assertThat(store.findByIdempotencyKey(owner, "")).isEmpty();
    assertThat(store.findByIdempotencyKey(owner, "never-used")).isEmpty();
  }

  @Test
  void aKeyIsHeldForTheWholeWindowAndFreeAfterIt() {
    String owner = anOwner();
    UploadTask first = stored(aPendingTask(owner).withIdempotencyKey("window"));

    clock.set(START.plus(TaskStore.IDEMPOTENCY_WINDOW));
    assertThat(store.findByIdempotencyKey(owner, "window"))
        .as("at the end of the window")
        .contains(first);
    assertThatThrownBy(() -> store.create(aPendingTask(owner).withIdempotencyKey("window")))
        .as("a create at the end of the window")
        .isInstanceOf(IdempotencyKeyTakenException.class);

    clock.set(START.plus(TaskStore.IDEMPOTENCY_WINDOW).plusSeconds(1));
    assertThat(store.findByIdempotencyKey(owner, "window"))
        .as("a second after the window")
        .isEmpty();
    UploadTask second = stored(aPendingTask(owner).withIdempotencyKey("window"));

    assertThat(store.findByIdempotencyKey(owner, "window"))
        .as("the key, taken again")
        .contains(second);
    assertThat(store.find(first.id())).as("the first task stays").contains(first);
  }

  @Test
  void givenEightCreatesRacingForOneKey_thenExactlyOneIsStoredAndTheOthersNameIt()
      throws Exception {
    String owner = anOwner();
    int racers = 8;
    List<UploadTask> candidates = new ArrayList<>();
    for (int i = 0; i < racers; i++) {
      candidates.add(aPendingTask(owner).withIdempotencyKey("race"));
    }
    var ready = new CountDownLatch(racers);
    var go = new CountDownLatch(1);
    List<Future<UploadTask>> creates = new ArrayList<>();
    try (var pool = Executors.newFixedThreadPool(racers)) {
      for (UploadTask candidate : candidates) {
        Callable<UploadTask> create =
            () -> {
              ready.countDown();
              go.await();
              store.create(candidate);
              return candidate;
            };
        creates.add(pool.submit(create));
      }
      ready.await();
      go.countDown();
    }

    var winners = new ArrayList<UploadTask>();
    var namedAsWinner = new ArrayList<TaskId>();
    for (Future<UploadTask> create : creates) {
      try {
        winners.add(create.get());
      } catch (ExecutionException e) {
        assertThat(e.getCause()).isInstanceOf(IdempotencyKeyTakenException.class);
        namedAsWinner.add(((IdempotencyKeyTakenException) e.getCause()).existing());
      }
    }
    assertThat(winners).as("creates that succeeded").hasSize(1);
    UploadTask winner = winners.get(0);
    assertThat(namedAsWinner)
        .as("what the refused were told")
        .hasSize(racers - 1)
        .containsOnly(winner.id());
    assertThat(candidates.stream().filter(c -> store.find(c.id()).isPresent()))
        .as("tasks stored")
        .containsExactly(winner);
    assertThat(store.findByIdempotencyKey(owner, "race")).contains(winner);
  }

  // ---- listing --------------------------------------------------------------------------------

  /** Every page from the first until {@code next} is empty, checking each page's shape. */
  private List<UploadTask> walk(String owner, TaskQuery first) {
    var seen = new ArrayList<UploadTask>();
    Optional<TaskId> after = Optional.empty();
    int pages = 0;
    do {
      TaskPage page = store.list(owner, first.continuingAfter(after));
      assertThat(page.tasks()).as("page %d", pages).hasSizeLessThanOrEqualTo(first.limit());
      if (page.next().isPresent() && !page.tasks().isEmpty()) {
        // The last task shown, or, when the page stopped at TaskQuery.MAX_EXAMINED, the last
        // task it examined: older, not shown (it did not match).
        assertThat(page.next().get().value())
            .as("next of page %d", pages)
            .isLessThanOrEqualTo(page.tasks().get(page.tasks().size() - 1).id().value());
      }
      seen.addAll(page.tasks());
      after = page.next();
      pages++;
      assertThat(pages).as("pages walked").isLessThan(10_000);
    } while (after.isPresent());
    return seen;
  }

  private static List<TaskId> ids(List<UploadTask> tasks) {
    return tasks.stream().map(UploadTask::id).toList();
  }

  private static List<TaskId> newestFirst(List<UploadTask> tasks, Predicate<UploadTask> which) {
    return tasks.stream()
        .filter(which)
        .map(UploadTask::id)
        .sorted(Comparator.comparing(TaskId::value).reversed())
        .toList();
  }

  /**
   * 250 tasks of one owner in several statuses and instances, with another owner's tasks created in
   * between (ids interleave).
   */
  private List<UploadTask> twoHundredFiftyTasksBesideAnotherOwners(String owner, String other) {
    var mine = new ArrayList<UploadTask>();
    for (int i = 0; i < 250; i++) {
      UploadTask task = stored(aPendingTask(owner, i % 3 == 0 ? "db" : "web-1", START));
      if (i % 5 == 0) {
        task =
            store.transition(
                task.id(),
                TaskStatus.PENDING,
                TaskStatus.CANCELLED,
                Optional.empty(),
                START.plusSeconds(1));
      }
      mine.add(task);
      if (i % 2 == 0) {
        stored(aPendingTask(other, "db", START));
      }
    }
    return mine;
  }

  @Test
  void walkingAnOwnersTasksInPagesOfSeven_returnsEachOnceNewestFirstAndNoOneElses() {
    String owner = anOwner();
    String other = anOwner();
    List<UploadTask> mine = twoHundredFiftyTasksBesideAnotherOwners(owner, other);

    List<UploadTask> walked = walk(owner, TaskQuery.newest(7));

    assertThat(walked).as("every task walked").allMatch(task -> task.isOwnedBy(owner));
    assertThat(ids(walked))
        .as("ids walked: each once, newest first")
        .doesNotHaveDuplicates()
        .containsExactlyElementsOf(newestFirst(mine, task -> true));
    assertThat(ids(walked).get(0)).as("the newest").isEqualTo(mine.get(249).id());
    assertThat(walked).as("tasks as stored").containsAll(mine);
  }

  @Test
  void walkingWithAStatusOrInstanceFilter_returnsExactlyTheMatchesEachOnceNewestFirst() {
    String owner = anOwner();
    String other = anOwner();
    List<UploadTask> mine = twoHundredFiftyTasksBesideAnotherOwners(owner, other);

    var cancelled =
        new TaskQuery(Optional.of(TaskStatus.CANCELLED), Optional.empty(), 7, Optional.empty());
    var onDb = new TaskQuery(Optional.empty(), Optional.of("db"), 7, Optional.empty());
    var pendingOnDb =
        new TaskQuery(Optional.of(TaskStatus.PENDING), Optional.of("db"), 7, Optional.empty());
    var done = new TaskQuery(Optional.of(TaskStatus.DONE), Optional.empty(), 7, Optional.empty());

    for (TaskQuery query : List.of(cancelled, onDb, pendingOnDb, done)) {
      assertThat(ids(walk(owner, query)))
          .as("status %s, instance %s", query.status(), query.instance())
          .doesNotHaveDuplicates()
          .containsExactlyElementsOf(newestFirst(mine, query::matches));
    }
    assertThat(newestFirst(mine, pendingOnDb::matches)).as("pending on db").hasSize(67);
  }

  @Test
  void walkingWithAProjectFilter_returnsTheTasksOfThatProjectOnly() {
    String owner = anOwner();
    UploadTask inDefault = stored(aPendingTask(owner, "web", START));
    UploadTask inTeamA =
        stored(
            aTask()
                .ownedBy(owner)
                .to(Destination.of("web", "/srv/a").on(null, "team-a"))
                .createdAt(START.plusSeconds(1))
                .build());
    UploadTask inTeamAElsewhere =
        stored(
            aTask()
                .ownedBy(owner)
                .to(Destination.of("db", "/srv/a").on(null, "team-a"))
                .createdAt(START.plusSeconds(2))
                .build());

    assertThat(ids(walk(owner, projectQuery("team-a", Optional.empty()))))
        .containsExactly(inTeamAElsewhere.id(), inTeamA.id());
    assertThat(ids(walk(owner, projectQuery("team-a", Optional.of("web")))))
        .containsExactly(inTeamA.id());
    assertThat(ids(walk(owner, projectQuery("default", Optional.empty()))))
        .containsExactly(inDefault.id());
    assertThat(walk(owner, projectQuery("team-b", Optional.empty()))).isEmpty();
  }

  private static TaskQuery projectQuery(String project, Optional<String> instance) {
    return new TaskQuery(Optional.empty(), instance, 1, Optional.empty(), Optional.of(project));
  }

  @Test
  void aFilteredPageExaminesAtMostMaxExaminedTasks_andGivesACursorToGoOnEvenWithNoTaskInIt() {
    String owner = anOwner();
    UploadTask onlyMatch = stored(aPendingTask(owner, "db", START));
    for (int i = 0; i < TaskQuery.MAX_EXAMINED; i++) {
      // Finished: on a shared store, a thousand open tasks would crowd other scenarios' reads of
      // the open ones (findStale, awaiting uploads).
      stored(
          InMemoryTaskStore.with(
              aPendingTask(owner, "web-1", START),
              TaskStatus.CANCELLED,
              0,
              Optional.empty(),
              Optional.empty(),
              START));
    }
    var onDb = new TaskQuery(Optional.empty(), Optional.of("db"), 1, Optional.empty());

    TaskPage first = store.list(owner, onDb);
    TaskPage second =
        store.list(owner, new TaskQuery(Optional.empty(), Optional.of("db"), 1, first.next()));

    assertThat(first.tasks())
        .as("the first %d tasks: none on db", TaskQuery.MAX_EXAMINED)
        .isEmpty();
    assertThat(first.next()).as("where to go on").isPresent();
    assertThat(ids(second.tasks())).as("the next page").containsExactly(onlyMatch.id());
    assertThat(second.next()).as("after the oldest task").isEmpty();
    assertThat(ids(walk(owner, onDb))).containsExactly(onlyMatch.id());
    assertThat(
            walk(owner, new TaskQuery(Optional.empty(), Optional.of("none"), 1, Optional.empty())))
        .as("a filter nothing matches, walked to its end")
        .isEmpty();
  }

  @Test
  void givenAnOwnerWithNoTasks_thenAnEmptyLastPage() {
    stored(aPendingTask(anOwner()));

    TaskPage page = store.list(anOwner(), TaskQuery.newest(10));

    assertThat(page.tasks()).isEmpty();
    assertThat(page.next()).isEmpty();
  }

  @Test
  void givenExactlyAPageOfTasks_thenThatPageIsTheLast() {
    String owner = anOwner();
    var mine = new ArrayList<UploadTask>();
    for (int i = 0; i < 5; i++) {
      mine.add(stored(aPendingTask(owner)));
    }

    TaskPage page = store.list(owner, TaskQuery.newest(5));

    assertThat(ids(page.tasks())).containsExactlyElementsOf(newestFirst(mine, task -> true));
    assertThat(page.next()).as("next").isEmpty();
    assertThat(store.list(owner, TaskQuery.newest(4)).next())
        .as("next of a page one short")
        .contains(mine.get(1).id());
  }

  @Test
  void aPageContinuesStrictlyAfterTheGivenId_evenOneOfAnotherOwner() {
    String owner = anOwner();
    UploadTask oldest = stored(aPendingTask(owner));
    UploadTask middle = stored(aPendingTask(owner));
    UploadTask someoneElses = stored(aPendingTask(anOwner()));
    UploadTask newest = stored(aPendingTask(owner));

    TaskPage afterMiddle =
        store.list(
            owner, new TaskQuery(Optional.empty(), Optional.empty(), 10, Optional.of(middle.id())));
    TaskPage afterTheOther =
        store.list(
            owner,
            new TaskQuery(Optional.empty(), Optional.empty(), 10, Optional.of(someoneElses.id())));

    assertThat(ids(afterMiddle.tasks())).containsExactly(oldest.id());
    assertThat(ids(afterTheOther.tasks())).containsExactly(middle.id(), oldest.id());
    assertThat(ids(store.list(owner, TaskQuery.newest(10)).tasks()))
        .containsExactly(newest.id(), middle.id(), oldest.id());
  }

  @Test
  void aListingShowsTheTasksAsStoredNow() {
    String owner = anOwner();
    UploadTask task = stored(aPendingTask(owner));
    UploadTask claimed = store.claim(task.id(), START.plusSeconds(1), LEASE);
    store.recordProgress(task.id(), 1, 4096);

    assertThat(store.list(owner, TaskQuery.newest(1)).tasks())
        .singleElement()
        .satisfies(
            listed -> {
              assertThat(listed.status()).isEqualTo(TaskStatus.PROCESSING);
              assertThat(listed.bytesPushed()).isEqualTo(4096);
              assertThat(listed.leaseUntil()).isEqualTo(claimed.leaseUntil());
            });
  }

  // ---- progress -------------------------------------------------------------------------------

  @Test
  void givenTheHoldingAttempt_whenProgressIsRecorded_thenOnlyBytesPushedChanges() {
    UploadTask claimed =
        store.claim(stored(aPendingTask(anOwner())).id(), START.plusSeconds(1), LEASE);

    store.recordProgress(claimed.id(), 1, 1_048_576);

    UploadTask after = store.find(claimed.id()).orElseThrow();
    assertThat(after.bytesPushed()).isEqualTo(1_048_576);
    assertThat(after.updatedAt()).as("progress is no status change").isEqualTo(claimed.updatedAt());
    assertThat(after)
        .usingRecursiveComparison()
        .ignoringFields("bytesPushed")
        .as("everything else")
        .isEqualTo(claimed);
  }

  @Test
  void givenAReclaimedTask_thenTheStaleAttemptCannotRecordProgress() {
    UploadTask first =
        store.claim(stored(aPendingTask(anOwner())).id(), START.plusSeconds(1), LEASE);
    store.recordProgress(first.id(), 1, 100);
    UploadTask second =
        store.claim(first.id(), first.leaseUntil().orElseThrow().plusSeconds(1), LEASE);

    assertThatThrownBy(() -> store.recordProgress(first.id(), 1, 200))
        .isInstanceOfSatisfying(
            TaskConflictException.class,
            e -> assertThat(e.current()).as("the current record").contains(second));
    assertThat(store.find(first.id())).as("the second claim, untouched").contains(second);
  }

  @Test
  void givenATaskNoLongerProcessing_thenItsAttemptCannotRecordProgress() {
    UploadTask claimed =
        store.claim(stored(aPendingTask(anOwner())).id(), START.plusSeconds(1), LEASE);
    UploadTask done =
        store.finish(claimed.id(), 1, TaskStatus.DONE, Optional.empty(), START.plusSeconds(2));

    assertThatThrownBy(() -> store.recordProgress(claimed.id(), 1, 5))
        .isInstanceOf(TaskConflictException.class);
    assertThatThrownBy(() -> store.recordProgress(stored(aPendingTask(anOwner())).id(), 0, 5))
        .as("a PENDING task at attempt 0")
        .isInstanceOf(TaskConflictException.class);
    assertThat(store.find(done.id())).contains(done);
  }

  @Test
  void givenNoSuchTask_whenProgressIsRecorded_thenNotFoundAndNothingIsCreated() {
    TaskId absent = TaskId.newId();

    assertThatThrownBy(() -> store.recordProgress(absent, 1, 5))
        .isInstanceOf(TaskNotFoundException.class);
    assertThat(store.find(absent)).isEmpty();
  }

  @Test
  void aClaimStartsAtZeroBytesAGivenBackTaskKeepsItsCountAndDoneMeansEveryByte() {
    UploadTask task = stored(aPendingTask(anOwner()));
    store.claim(task.id(), START.plusSeconds(1), LEASE);
    store.recordProgress(task.id(), 1, 700);

    UploadTask released =
        store.finish(
            task.id(),
            1,
            TaskStatus.PENDING,
            Optional.of(new TaskError("INCUS_UNAVAILABLE", "reset")),
            START.plusSeconds(2));
    assertThat(released.bytesPushed()).as("given back").isEqualTo(700);

    UploadTask again = store.claim(task.id(), START.plusSeconds(3), LEASE);
    assertThat(again.bytesPushed()).as("the second attempt starts at").isZero();
    store.recordProgress(task.id(), 2, 1);

    UploadTask done =
        store.finish(task.id(), 2, TaskStatus.DONE, Optional.empty(), START.plusSeconds(4));
    assertThat(done.bytesPushed())
        .as("done, however stale the last progress")
        .isEqualTo(task.size());
    assertThat(store.find(task.id())).contains(done);
  }

  @Test
  void aTaskDoneAfterAFailedAttemptHasNoLastErrorButItsTimelineKeepsTheFailure() {
    UploadTask task = stored(aPendingTask(anOwner()));
    store.claim(task.id(), START.plusSeconds(1), LEASE);
    store.finish(
        task.id(),
        1,
        TaskStatus.PENDING,
        Optional.of(unavailable("refused")),
        START.plusSeconds(2));
    assertThat(store.find(task.id()).orElseThrow().lastError())
        .as("between attempts")
        .contains(unavailable("refused"));
    store.claim(task.id(), START.plusSeconds(3), LEASE);

    UploadTask done =
        store.finish(task.id(), 2, TaskStatus.DONE, Optional.empty(), START.plusSeconds(4));

    assertThat(done.lastError()).as("the last attempt succeeded").isEmpty();
    assertThat(done.timeline()).extracting(Transition::reason).anyMatch(r -> r.contains("refused"));
    assertThat(store.find(task.id())).contains(done);
  }

  // ---- timeline and retry --------------------------------------------------------------------

  private static TaskError unavailable(String message) {
    return new TaskError("INCUS_UNAVAILABLE", message);
  }

  @Test
  void everyStatusChangeAndClaimIsOnTheTimelineWithItsAttemptAndReason() {
    UploadTask task = stored(aPendingTask(anOwner()));
    store.claim(task.id(), START.plusSeconds(1), LEASE);
    store.finish(
        task.id(),
        1,
        TaskStatus.PENDING,
        Optional.of(unavailable("refused")),
        START.plusSeconds(2));
    store.claim(task.id(), START.plusSeconds(3), LEASE);
    // The second worker dies: its lease runs out and a third claims the task over it.
    store.claim(task.id(), START.plusSeconds(3).plus(LEASE), LEASE);
    store.finish(
        task.id(),
        3,
        TaskStatus.FAILED,
        Optional.of(new TaskError(TaskError.RETRIES_EXHAUSTED, "gave up")),
        START.plusSeconds(200));

    assertThat(store.find(task.id()).orElseThrow().timeline())
        .extracting(
            t -> t.at(), t -> t.from().orElse(null), t -> t.to(), t -> t.attempt(), t -> t.reason())
        .containsExactly(
            tuple(START, null, TaskStatus.PENDING, 0, "uploaded"),
            tuple(START.plusSeconds(1), TaskStatus.PENDING, PROCESSING, 1, "claimed by a worker"),
            tuple(
                START.plusSeconds(2),
                PROCESSING,
                TaskStatus.PENDING,
                1,
                "INCUS_UNAVAILABLE: refused"),
            tuple(START.plusSeconds(3), TaskStatus.PENDING, PROCESSING, 2, "claimed by a worker"),
            tuple(
                START.plusSeconds(3).plus(LEASE),
                PROCESSING,
                PROCESSING,
                3,
                "claimed again: its worker's lease ran out"),
            tuple(
                START.plusSeconds(200),
                PROCESSING,
                TaskStatus.FAILED,
                3,
                "RETRIES_EXHAUSTED: gave up"));
  }

  @Test
  void aClaimRecordsTheStatusItTookTheTaskFrom() {
    UploadTask task = stored(aPendingTask(anOwner()));
    UploadTask first = store.claim(task.id(), START.plusSeconds(1), LEASE);
    UploadTask takenOver = store.claim(task.id(), first.leaseUntil().orElseThrow(), LEASE);

    assertThat(first.timeline().get(first.timeline().size() - 1).reason())
        .as("a claim of a PENDING task")
        .isEqualTo(Transition.reasonFor(Optional.of(TaskStatus.PENDING), PROCESSING, none()));
    assertThat(takenOver.timeline().get(takenOver.timeline().size() - 1).reason())
        .as("a claim over an expired lease")
        .isEqualTo(Transition.reasonFor(Optional.of(PROCESSING), PROCESSING, none()));
  }

  private static Optional<TaskError> none() {
    return Optional.empty();
  }

  /**
   * Every status, however a store keeps it apart (DynamoDB's sparse index of open tasks), is found
   * stale exactly when the domain says a worker may claim it: a new status cannot be forgotten.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(TaskStatus.class)
  void findStale_findsALongUnchangedTaskExactlyWhenAWorkerMayClaimIt(TaskStatus status) {
    // Long before any other scenario's tasks: on a shared store, these come first. The awaiting
    // upload's deadline is far off, so it comes last in other scenarios' sweeps.
    Instant longAgo = Instant.parse("1600-01-01T00:00:00Z").plusSeconds(status.ordinal());
    Instant farOff = Instant.parse("9000-01-01T00:00:00Z");
    UploadTask base =
        status == TaskStatus.AWAITING_UPLOAD
            ? anAwaitingTask(anOwner(), longAgo, DirectUpload.singlePut(farOff))
            : aPendingTask(anOwner(), "web-1", longAgo);
    int attempts = status == TaskStatus.AWAITING_UPLOAD || status == TaskStatus.PENDING ? 0 : 1;
    UploadTask task =
        stored(
            InMemoryTaskStore.with(
                base, status, attempts, Optional.empty(), Optional.empty(), longAgo));

    boolean claimable = task.claimVerdict(START) == ClaimVerdict.CLAIMABLE;
    assertThat(ids(store.findStale(START, START, 100)).contains(task.id()))
        .as("%s found stale", status)
        .isEqualTo(claimable);
  }

  /**
   * Every status, however a store keeps it apart: found by findProcessing exactly when it is
   * PROCESSING (here under a lease that ends in the year 9000, which no other scenario's findStale
   * sees as claimable).
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(TaskStatus.class)
  void findProcessing_findsATaskExactlyWhenItIsProcessing(TaskStatus status) {
    // In the 1650s: after the 1500s that a shared store's own findStale scenario counts on being
    // the oldest stale tasks, before every PROCESSING task of the other scenarios but the next.
    Instant longAgo = Instant.parse("1650-01-01T00:00:00Z").plusSeconds(status.ordinal());
    UploadTask base =
        status == TaskStatus.AWAITING_UPLOAD
            ? anAwaitingTask(anOwner(), longAgo, DirectUpload.singlePut(NEVER))
            : aPendingTask(anOwner(), "web-1", longAgo);
    int attempts = status == TaskStatus.AWAITING_UPLOAD || status == TaskStatus.PENDING ? 0 : 1;
    Optional<Instant> lease = status == PROCESSING ? Optional.of(NEVER) : Optional.empty();
    UploadTask task =
        stored(InMemoryTaskStore.with(base, status, attempts, Optional.empty(), lease, longAgo));

    assertThat(ids(store.findProcessing(100)).contains(task.id()))
        .as("%s found processing", status)
        .isEqualTo(status == PROCESSING);
  }

  @Test
  void findProcessing_returnsTheLeastRecentlyUpdatedFirst_atMostLimit() {
    // In the 1400s: on a shared store, before every other scenario's PROCESSING tasks. Leased
    // until the year 9000, so no scenario's findStale finds them.
    Instant base = Instant.parse("1400-01-01T00:00:00Z");
    UploadTask first = processingSince(base.plusSeconds(10), Optional.of(NEVER));
    UploadTask third = processingSince(base.plusSeconds(30), Optional.of(NEVER));
    UploadTask second = processingSince(base.plusSeconds(20), Optional.of(NEVER));

    assertThat(ids(store.findProcessing(2))).containsExactly(first.id(), second.id());
    assertThat(ids(store.findProcessing(3))).containsExactly(first.id(), second.id(), third.id());
  }

  @Test
  void findProcessing_findsTasksWithoutALeaseOrWithAnExpiredOne() {
    UploadTask noLease = processingSince(START, Optional.empty());
    UploadTask expired = processingSince(START, Optional.of(START.minusSeconds(1)));

    assertThat(ids(store.findProcessing(1000))).contains(noLease.id(), expired.id());
  }

  private UploadTask processingSince(Instant updatedAt, Optional<Instant> lease) {
    return stored(
        InMemoryTaskStore.with(
            aPendingTask(anOwner(), "web-1", updatedAt),
            PROCESSING,
            1,
            Optional.empty(),
            lease,
            updatedAt));
  }

  @Test
  void givenAFailedTask_whenRetried_thenItIsPendingAgainWithItsAttemptsAndHistoryKept() {
    UploadTask task = stored(aPendingTask(anOwner()));
    store.claim(task.id(), START.plusSeconds(1), LEASE);
    TaskError exhausted = new TaskError(TaskError.RETRIES_EXHAUSTED, "refused");
    store.finish(task.id(), 1, TaskStatus.FAILED, Optional.of(exhausted), START.plusSeconds(2));

    UploadTask retried =
        store.transition(
            task.id(),
            TaskStatus.FAILED,
            TaskStatus.PENDING,
            Optional.empty(),
            START.plusSeconds(3));

    assertThat(retried.status()).isEqualTo(TaskStatus.PENDING);
    assertThat(retried.attempts()).as("attempts, the fencing token, never go back").isEqualTo(1);
    assertThat(retried.lastError()).as("the error that made it fail").contains(exhausted);
    assertThat(retried.timeline())
        .last()
        .extracting(t -> t.from(), t -> t.to(), t -> t.reason())
        .containsExactly(
            Optional.of(TaskStatus.FAILED), TaskStatus.PENDING, "retried by an operator");
    assertThat(store.claim(task.id(), START.plusSeconds(4), LEASE).attempts())
        .as("the retried task is claimable")
        .isEqualTo(2);
  }

  @Test
  void givenARetriedTaskWhoseMessageIsLost_thenTheReconcilerFindsIt() {
    UploadTask task = stored(aPendingTask(anOwner()));
    store.claim(task.id(), START, LEASE);
    store.finish(
        task.id(), 1, TaskStatus.FAILED, Optional.of(unavailable("refused")), START.plusSeconds(1));
    store.transition(
        task.id(), TaskStatus.FAILED, TaskStatus.PENDING, Optional.empty(), START.plusSeconds(2));

    assertThat(ids(store.findStale(START.plusSeconds(60), START.plusSeconds(60), 1000)))
        .contains(task.id());
  }

  @Test
  void aDoneOrCancelledTaskCannotBeRetried() {
    UploadTask task = stored(aPendingTask(anOwner()));
    store.transition(task.id(), TaskStatus.PENDING, TaskStatus.CANCELLED, Optional.empty(), START);

    assertThatThrownBy(
            () ->
                store.transition(
                    task.id(), TaskStatus.CANCELLED, TaskStatus.PENDING, Optional.empty(), START))
        .isInstanceOf(IllegalTaskTransitionException.class);
    assertThatThrownBy(
            () ->
                store.transition(
                    task.id(), TaskStatus.FAILED, TaskStatus.PENDING, Optional.empty(), START))
        .as("retrying a task that is not FAILED")
        .isInstanceOf(TaskConflictException.class);
    assertThat(store.find(task.id()).orElseThrow().status()).isEqualTo(TaskStatus.CANCELLED);
  }

  // ---- awaiting upload ------------------------------------------------------------------------

  @Test
  void findAwaitingUploads_returnsThemEarliestDeadlineFirst_pageAfterPage() {
    // Deadlines in the 1700s: on a shared store, earlier than any other scenario's (and they leave
    // the index at the end, so they never come first in another scenario).
    Instant base = Instant.parse("1700-01-01T00:00:00Z");
    String owner = anOwner();
    String other = anOwner();
    UploadTask third =
        stored(anAwaitingTask(owner, START, DirectUpload.singlePut(base.plusSeconds(30))));
    UploadTask first =
        stored(anAwaitingTask(owner, START, DirectUpload.singlePut(base.plusSeconds(10))));
    // Updated now, not in the 1700s: on a shared store an old PENDING task would look stale to
    // other tests' findStale.
    stored(aPendingTask(owner, "web-1", START));
    UploadTask second =
        stored(
            anAwaitingTask(
                other, START, DirectUpload.inParts("mpu-1", 5 << 20, base.plusSeconds(20))));
    UploadTask secondsTwin =
        stored(anAwaitingTask(owner, START, DirectUpload.singlePut(base.plusSeconds(20))));

    List<AwaitingUpload> firstPage = store.findAwaitingUploads(Optional.empty(), 2);
    List<AwaitingUpload> secondPage =
        store.findAwaitingUploads(Optional.of(firstPage.get(firstPage.size() - 1)), 2);

    // Two uploads with the same deadline may come in either order (a DynamoDB index keeps no
    // order among equal sort keys): the pages must still hold each exactly once, by deadline.
    List<AwaitingUpload> both = new java.util.ArrayList<>(firstPage);
    both.addAll(secondPage);
    assertThat(firstPage)
        .as("the first page")
        .hasSize(2)
        .first()
        .isEqualTo(AwaitingUpload.of(first));
    assertThat(both)
        .as("both pages: each as a sweep sees it, once, earliest deadline first")
        .containsExactlyInAnyOrder(
            AwaitingUpload.of(first),
            AwaitingUpload.of(second),
            AwaitingUpload.of(secondsTwin),
            AwaitingUpload.of(third))
        .extracting(AwaitingUpload::deadline)
        .isSorted();
    assertThat(both)
        .contains(
            new AwaitingUpload(second.id(), other, second.objectKey(), base.plusSeconds(20), true));
    for (UploadTask task : List.of(first, second, secondsTwin, third)) {
      store.transition(
          task.id(), TaskStatus.AWAITING_UPLOAD, TaskStatus.CANCELLED, Optional.empty(), START);
    }
  }

  @Test
  void findAwaitingUploads_dropsATaskOnceItsUploadIsCompletedOrFailed() {
    Instant base = Instant.parse("1750-01-01T00:00:00Z");
    String owner = anOwner();
    UploadTask completed =
        stored(anAwaitingTask(owner, START, DirectUpload.inParts("mpu", 5 << 20, base)));
    UploadTask expired =
        stored(anAwaitingTask(owner, START, DirectUpload.singlePut(base.plusSeconds(1))));
    UploadTask waiting =
        stored(anAwaitingTask(owner, START, DirectUpload.singlePut(base.plusSeconds(2))));
    List<TaskId> mine = List.of(completed.id(), expired.id(), waiting.id());

    store.transition(
        completed.id(), TaskStatus.AWAITING_UPLOAD, TaskStatus.PENDING, Optional.empty(), START);
    store.transition(
        expired.id(),
        TaskStatus.AWAITING_UPLOAD,
        TaskStatus.FAILED,
        Optional.of(new TaskError(TaskError.UPLOAD_EXPIRED, "expired")),
        START);

    assertThat(
            store.findAwaitingUploads(Optional.empty(), 100).stream()
                .map(AwaitingUpload::id)
                .filter(mine::contains))
        .containsExactly(waiting.id());
    assertThat(store.find(completed.id()).orElseThrow().directUpload())
        .as("the completed task's upload, kept as history")
        .isEqualTo(completed.directUpload());
    store.transition(
        waiting.id(), TaskStatus.AWAITING_UPLOAD, TaskStatus.CANCELLED, Optional.empty(), START);
  }

  @Test
  void findAwaitingUploads_refusesALimitBelowOne() {
    assertThatThrownBy(() -> store.findAwaitingUploads(Optional.empty(), 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
