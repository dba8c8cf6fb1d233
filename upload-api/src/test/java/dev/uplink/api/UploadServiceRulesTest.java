package dev.uplink.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.api.RequestRejectedException.Reason;
import dev.uplink.api.fakes.RecordingTaskQueue;
import dev.uplink.api.fakes.StreamingObjectStore;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.DestinationPolicy;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.testing.InMemoryTaskStore;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Policy, size limit, idempotency, cancel and long-poll rules of {@link UploadService}. */
class UploadServiceRulesTest {

  private static final Destination WEB = Destination.of("web-1", "/srv/uploads/a.txt");
  private static final Caller ALICE =
      new Caller("alice", DestinationPolicy.parse("web-*:/srv/uploads/"));

  private final InMemoryTaskStore tasks = new InMemoryTaskStore();
  private final StreamingObjectStore objects = new StreamingObjectStore();
  private final RecordingTaskQueue queue = new RecordingTaskQueue();
  private final UploadService service =
      new UploadService(
          tasks,
          objects,
          queue,
          Clock.systemUTC(),
          UploadLimits.defaults().withMaxUploadBytes(1000),
          Optional.empty());

  private static InputStream bytes(int n) {
    return new ByteArrayInputStream(new byte[n]);
  }

  private static InputStream failIfRead() {
    return new InputStream() {
      @Override
      public int read() {
        throw new AssertionError("the body must not be read");
      }
    };
  }

  @Nested
  class Policy {

    @Test
    void aDestinationOutsideTheCallersGrantsIsForbiddenBeforeAByteIsRead() {
      assertThatThrownBy(
              () ->
                  service.accept(
                      ALICE,
                      Destination.of("db-1", "/srv/uploads/a"),
                      failIfRead(),
                      Optional.empty()))
          .isInstanceOfSatisfying(
              RequestRejectedException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.FORBIDDEN);
                assertThat(e.field()).isEqualTo("container");
              });
      assertThatThrownBy(
              () ->
                  service.accept(
                      ALICE,
                      Destination.of("web-1", "/etc/passwd"),
                      failIfRead(),
                      Optional.empty()))
          .isInstanceOfSatisfying(
              RequestRejectedException.class, e -> assertThat(e.field()).isEqualTo("path"));
      assertThat(objects.putsStarted()).isZero();
      assertThat(tasks.all()).isEmpty();
    }
  }

  @Nested
  class SizeLimit {

    @Test
    void aBodyPastTheLimitIsRefusedAndLeavesNothingBehind() {
      assertThatThrownBy(() -> service.accept(ALICE, WEB, bytes(1001), Optional.empty()))
          .isInstanceOfSatisfying(
              RequestRejectedException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE));
      assertThat(objects.objects()).isEmpty();
      assertThat(tasks.all()).isEmpty();
      assertThat(queue.published()).isEmpty();
    }

    @Test
    void aBodyOfExactlyTheLimitIsAccepted() {
      assertThat(service.accept(ALICE, WEB, bytes(1000), Optional.empty()).size()).isEqualTo(1000);
    }
  }

  @Nested
  class Idempotency {

    @Test
    void aRetryWithTheSameKeyGetsTheSameTaskWithoutReadingTheBody() {
      UploadTask first = service.accept(ALICE, WEB, bytes(10), Optional.of("retry-1"));

      UploadTask again = service.accept(ALICE, WEB, failIfRead(), Optional.of("retry-1"));

      assertThat(again.id()).isEqualTo(first.id());
      assertThat(tasks.all()).hasSize(1);
      assertThat(queue.published()).containsExactly(first.id());
    }

    @Test
    void theSameKeyForAnotherDestinationIsAMismatch() {
      service.accept(ALICE, WEB, bytes(10), Optional.of("k"));

      assertThatThrownBy(
              () ->
                  service.accept(
                      ALICE,
                      Destination.of("web-1", "/srv/uploads/b.txt"),
                      failIfRead(),
                      Optional.of("k")))
          .isInstanceOfSatisfying(
              RequestRejectedException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.IDEMPOTENCY_MISMATCH));
    }

    @Test
    void keysBelongToTheirOwner() {
      var bob = new Caller("bob", DestinationPolicy.allowAll());
      UploadTask alices = service.accept(ALICE, WEB, bytes(10), Optional.of("k"));
      UploadTask bobs = service.accept(bob, WEB, bytes(10), Optional.of("k"));
      assertThat(bobs.id()).isNotEqualTo(alices.id());
    }

    @Test
    void aMalformedKeyIsInvalid() {
      assertThatThrownBy(() -> service.accept(ALICE, WEB, failIfRead(), Optional.of("has space")))
          .isInstanceOfSatisfying(
              RequestRejectedException.class,
              e -> assertThat(e.field()).isEqualTo("Idempotency-Key"));
    }
  }

  @Nested
  class Cancel {

    @Test
    void aPendingTaskIsCancelledAndItsBytesDeleted() {
      UploadTask task = service.accept(ALICE, WEB, bytes(10), Optional.empty());

      UploadTask cancelled = service.cancel("alice", task.id().value());

      assertThat(cancelled.status()).isEqualTo(TaskStatus.CANCELLED);
      assertThat(objects.deleted()).contains(task.objectKey());
      assertThat(service.cancel("alice", task.id().value()).status())
          .as("cancelling again")
          .isEqualTo(TaskStatus.CANCELLED);
    }

    @Test
    void aTaskBeingProcessedCannotBeCancelled() {
      UploadTask task = service.accept(ALICE, WEB, bytes(10), Optional.empty());
      tasks.claim(task.id(), Instant.now(), Duration.ofMinutes(1));

      assertThatThrownBy(() -> service.cancel("alice", task.id().value()))
          .isInstanceOfSatisfying(
              RequestRejectedException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.WRONG_STATUS);
                assertThat(e.task())
                    .get()
                    .extracting(UploadTask::status)
                    .isEqualTo(TaskStatus.PROCESSING);
              });
    }

    @Test
    void anotherOwnersTaskIsNotFound() {
      UploadTask task = service.accept(ALICE, WEB, bytes(10), Optional.empty());
      assertThatThrownBy(() -> service.cancel("bob", task.id().value()))
          .isInstanceOfSatisfying(
              RequestRejectedException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND));
    }
  }

  @Nested
  class LongPoll {

    @Test
    void itReturnsAsSoonAsTheStatusChanges() {
      UploadTask task = service.accept(ALICE, WEB, bytes(10), Optional.empty());
      Thread.startVirtualThread(
          () -> {
            sleep(300);
            tasks.claim(task.id(), Instant.now(), Duration.ofMinutes(1));
          });

      long started = System.nanoTime();
      UploadTask seen = service.awaitChange("alice", task.id().value(), Duration.ofSeconds(10));

      assertThat(seen.status()).isEqualTo(TaskStatus.PROCESSING);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void itReturnsProgressWhileProcessing() {
      UploadTask task = service.accept(ALICE, WEB, bytes(10), Optional.empty());
      UploadTask claimed = tasks.claim(task.id(), Instant.now(), Duration.ofMinutes(1));
      Thread.startVirtualThread(
          () -> {
            sleep(300);
            tasks.recordProgress(task.id(), claimed.attempts(), 7);
          });

      UploadTask seen = service.awaitChange("alice", task.id().value(), Duration.ofSeconds(10));

      assertThat(seen.bytesPushed()).isEqualTo(7);
    }

    @Test
    void withoutAChangeItAnswersAfterTheWait() {
      UploadTask task = service.accept(ALICE, WEB, bytes(10), Optional.empty());

      long started = System.nanoTime();
      UploadTask seen = service.awaitChange("alice", task.id().value(), Duration.ofMillis(600));

      assertThat(seen.status()).isEqualTo(TaskStatus.PENDING);
      assertThat(Duration.ofNanos(System.nanoTime() - started))
          .isGreaterThanOrEqualTo(Duration.ofMillis(550));
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
