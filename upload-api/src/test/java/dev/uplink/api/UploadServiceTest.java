package dev.uplink.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.api.fakes.Outage;
import dev.uplink.api.fakes.RecordingTaskQueue;
import dev.uplink.api.fakes.StreamingObjectStore;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.DestinationPolicy;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.testing.InMemoryTaskStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class UploadServiceTest {

  private static final Instant NOW = Instant.parse("2026-11-22T06:30:00.123456Z");
  private static final Destination DESTINATION = Destination.of("web", "/srv/app/config.yaml");
  private static final Caller ALICE = new Caller("alice", DestinationPolicy.allowAll());

  private final InMemoryTaskStore tasks = new InMemoryTaskStore();
  private final StreamingObjectStore objects = new StreamingObjectStore();
  private final RecordingTaskQueue queue = new RecordingTaskQueue();
  private final UploadService service =
      new UploadService(tasks, objects, queue, Clock.fixed(NOW, ZoneOffset.UTC));

  @Nested
  class Accepting {

    @Test
    void givenABody_whenAccepted_thenItIsStoredHashedRecordedAndPublished() throws Exception {
      byte[] body = "hello, container".getBytes(StandardCharsets.UTF_8);

      UploadTask task = acceptFromAlice(new ByteArrayInputStream(body));

      assertThat(task.status()).as("status").isEqualTo(TaskStatus.PENDING);
      assertThat(task.owner()).as("owner").isEqualTo("alice");
      assertThat(task.objectKey()).as("object key").isEqualTo("uploads/" + task.id().value());
      assertThat(task.size()).as("size").isEqualTo(body.length);
      assertThat(task.sha256()).as("sha256").isEqualTo(sha256(body));
      assertThat(task.createdAt())
          .as("created, to the millisecond")
          .isEqualTo(Instant.parse("2026-11-22T06:30:00.123Z"));
      assertThat(objects.object(task.objectKey()).orElseThrow().content().orElseThrow())
          .as("stored bytes")
          .isEqualTo(body);
      assertThat(tasks.all()).as("recorded tasks").containsExactly(task);
      assertThat(queue.published()).as("published ids").containsExactly(task.id());
    }

    @Test
    void givenABody_whenAccepted_thenTheCallersStreamIsLeftOpen() {
      var closed = new AtomicBoolean();
      var body =
          new ByteArrayInputStream(new byte[] {1, 2, 3}) {
            @Override
            public void close() {
              closed.set(true);
            }
          };

      acceptFromAlice(body);

      assertThat(closed).as("body closed by the service").isFalse();
    }

    @Test
    void givenAnEmptyBody_whenAccepted_thenItIsRejectedBeforeAnythingIsStored() {
      assertThatThrownBy(() -> acceptFromAlice(new ByteArrayInputStream(new byte[0])))
          .isInstanceOf(EmptyUploadException.class);

      assertThat(objects.putsStarted()).as("puts started").isZero();
      assertThat(tasks.all()).as("tasks").isEmpty();
      assertThat(queue.published()).as("published").isEmpty();
    }

    @Test
    void givenABodyThatBreaksOff_whenAccepted_thenUnreadableBodyAndNothingIsKept() {
      assertThatThrownBy(() -> acceptFromAlice(breaksOffAfter(100_000)))
          .isInstanceOf(UnreadableBodyException.class)
          .hasCauseInstanceOf(IOException.class);

      assertThat(objects.objects()).as("objects").isEmpty();
      assertThat(tasks.all()).as("tasks").isEmpty();
      assertThat(queue.published()).as("published").isEmpty();
    }
  }

  @Nested
  class DependencyFailures {

    @Test
    void givenTheObjectStoreFails_whenAccepted_thenServiceUnavailableAndNoTask() {
      objects.failPutsWith(Outage.of("S3 is down"));

      assertThatThrownBy(() -> acceptFromAlice(bytes(10)))
          .isInstanceOfSatisfying(
              DependencyFailedException.class,
              e -> {
                assertThat(e.dependency()).isEqualTo("object store");
                assertThat(e.recordedTask()).isEmpty();
              });
      assertThat(tasks.all()).as("tasks").isEmpty();
      assertThat(queue.published()).as("published").isEmpty();
    }

    @Test
    void givenTheTaskStoreFails_whenAccepted_thenTheObjectIsDeletedAndServiceUnavailable() {
      tasks.failCreatesWith(Outage.of("DynamoDB is down"));

      assertThatThrownBy(() -> acceptFromAlice(bytes(10)))
          .isInstanceOfSatisfying(
              DependencyFailedException.class,
              e -> assertThat(e.dependency()).isEqualTo("task store"));
      assertThat(objects.deleted()).as("deleted objects").hasSize(1);
      assertThat(objects.objects()).as("objects left").isEmpty();
      assertThat(queue.published()).as("published").isEmpty();
    }

    @Test
    void givenTheQueueFails_whenAccepted_thenTheTaskStaysPendingWithItsObject() {
      queue.failPublishesWith(Outage.of("SQS is down"));

      assertThatThrownBy(() -> acceptFromAlice(bytes(10)))
          .isInstanceOfSatisfying(
              DependencyFailedException.class,
              e -> {
                assertThat(e.dependency()).isEqualTo("task queue");
                assertThat(e.recordedTask()).isPresent();
              });
      assertThat(tasks.all())
          .as("tasks")
          .singleElement()
          .satisfies(
              t -> {
                assertThat(t.status()).isEqualTo(TaskStatus.PENDING);
                assertThat(objects.object(t.objectKey())).as("its object").isPresent();
              });
      assertThat(objects.deleted()).as("deleted objects").isEmpty();
    }
  }

  @Nested
  class Finding {

    @Test
    void givenOwnTask_whenFound_thenReturned() {
      UploadTask task = acceptFromAlice(bytes(3));

      assertThat(service.find("alice", task.id().value())).contains(task);
      assertThat(service.find("alice", task.id().value().toLowerCase()))
          .as("lower-case id")
          .contains(task);
    }

    @Test
    void givenAnotherOwnersTask_whenFound_thenEmpty() {
      UploadTask task = acceptFromAlice(bytes(3));

      assertThat(service.find("bob", task.id().value())).isEmpty();
    }

    @Test
    void givenMalformedOrUnknownIds_whenFound_thenEmpty() {
      assertThat(service.find("alice", "not-an-id")).as("malformed").isEmpty();
      assertThat(service.find("alice", "")).as("empty").isEmpty();
      assertThat(service.find("alice", "01JD0000000000000000000000")).as("unknown").isEmpty();
    }

    @Test
    void givenTheTaskStoreFails_whenFound_thenServiceUnavailable() {
      tasks.failFindsWith(Outage.of("DynamoDB is down"));

      assertThatThrownBy(() -> service.find("alice", "01JD0000000000000000000000"))
          .isInstanceOf(DependencyFailedException.class);
    }
  }

  private static InputStream bytes(int n) {
    return new ByteArrayInputStream(new byte[n]);
  }

  /**
   * Alice's upload to {@link #DESTINATION}, which her policy allows, without an idempotency key.
   */
  private UploadTask acceptFromAlice(InputStream body) {
    return service.accept(ALICE, DESTINATION, body, Optional.empty());
  }

  private static InputStream breaksOffAfter(int n) {
    return new InputStream() {
      private int sent;

      @Override
      public int read() throws IOException {
        if (sent >= n) {
          throw new IOException("connection reset");
        }
        sent++;
        return 'x';
      }
    };
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
