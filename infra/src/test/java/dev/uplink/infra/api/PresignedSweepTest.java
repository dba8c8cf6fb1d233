package dev.uplink.infra.api;

import static dev.uplink.infra.api.ApiFixture.PART_SIZE;
import static dev.uplink.infra.api.ApiFixture.sha256;
import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.api.DirectUploadService;
import dev.uplink.api.UploadService;
import dev.uplink.core.aws.S3DirectUploads;
import dev.uplink.core.aws.S3ObjectStore;
import dev.uplink.core.aws.SqsTaskQueue;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.DestinationPolicy;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.testing.SettableClock;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sweep of presigned uploads ({@link DirectUploadService#sweep}) on DynamoDB Local and S3Proxy:
 * it settles every upload past its window, and a backlog of one owner's abandoned presigns does not
 * keep another owner's finished upload waiting. Each scenario has its own owners, clock and window,
 * so their deadlines never overlap.
 */
class PresignedSweepTest {

  @RegisterExtension static final ApiFixture api = ApiFixture.create();

  /** Completion checks per sweep, as the local stack's sweeper makes. */
  private static final int CHECKS = 100;

  /** A service over the fixture's table, bucket and queue, on its own clock and window. */
  private static DirectUploadService directUploads(SettableClock clock, Duration window) {
    var clients = api.aws.clients();
    return new UploadService(
            api.tasks,
            new S3ObjectStore(clients.s3(), api.aws.settings().bucket(), (int) PART_SIZE),
            new SqsTaskQueue(clients.sqs(), api.queueUrl),
            clock,
            ApiFixture.limits(window).withPresigning(window, window),
            Optional.of(S3DirectUploads.of(clients)))
        .direct()
        .orElseThrow();
  }

  /** {@code count} presigned PUTs of one byte each for {@code owner}, never uploaded. */
  private static List<TaskId> abandonedPresigns(
      DirectUploadService direct, String owner, int count) {
    var caller = new Caller(owner, DestinationPolicy.allowAll());
    byte[] content = {1};
    return IntStream.range(0, count)
        .parallel()
        .mapToObj(
            n ->
                direct
                    .presignPut(
                        caller,
                        Destination.of("web-1", "/srv/abandoned/" + n),
                        content.length,
                        sha256(content),
                        Optional.empty())
                    .task()
                    .id())
        .toList();
  }

  private static UploadTask stored(TaskId id) {
    return api.tasks.find(id).orElseThrow();
  }

  @Test
  void
      givenAnotherOwnersThreeThousandAbandonedPresigns_whenSweeping_thenAFinishedPutIsCompletedInTheFirstSweep()
          throws Exception {
    var clock = new SettableClock(Instant.now().truncatedTo(ChronoUnit.MILLIS));
    DirectUploadService direct = directUploads(clock, Duration.ofHours(2));
    List<TaskId> abandoned = abandonedPresigns(direct, "abandoner", 3_000);
    clock.advance(Duration.ofMinutes(1));
    byte[] content = "finished, but the client never said so".getBytes(StandardCharsets.UTF_8);
    var ticket =
        direct.presignPut(
            new Caller("finisher", DestinationPolicy.allowAll()),
            Destination.of("web-2", "/srv/finished.txt"),
            content.length,
            sha256(content),
            Optional.empty());
    var put = ticket.put().orElseThrow();
    var request =
        java.net.http.HttpRequest.newBuilder(put.url()).PUT(BodyPublishers.ofByteArray(content));
    put.headers()
        .forEach(
            (name, value) -> {
              if (!name.equalsIgnoreCase("content-length") && !name.equalsIgnoreCase("host")) {
                request.header(name, value);
              }
            });
    assertThat(api.send(request.build()).statusCode()).as("the PUT to S3").isEqualTo(200);

    long started = System.nanoTime();
    int changed = direct.sweep(CHECKS);
    long tookMillis = (System.nanoTime() - started) / 1_000_000;
    System.out.printf(
        "One sweep over %d waiting presigns changed %d task(s) in %d ms%n",
        abandoned.size() + 1, changed, tookMillis);

    assertThat(stored(ticket.task().id()).status())
        .as("the finished upload after one sweep")
        .isEqualTo(TaskStatus.PENDING);
    assertThat(changed).as("tasks changed").isEqualTo(1);
    assertThat(stored(abandoned.get(0)).status()).isEqualTo(TaskStatus.AWAITING_UPLOAD);
  }

  @Test
  void givenThreeHundredUploadsPastTheirWindow_whenSweepingOnce_thenEveryOneIsFailedAsExpired() {
    // Deadlines a minute from a start a day ago: before the other scenario's, which stay waiting.
    var clock =
        new SettableClock(Instant.now().minus(Duration.ofDays(1)).truncatedTo(ChronoUnit.MILLIS));
    DirectUploadService direct = directUploads(clock, Duration.ofMinutes(1));
    List<TaskId> expiring = abandonedPresigns(direct, "forgetful", 300);
    clock.advance(Duration.ofMinutes(2));

    int changed = direct.sweep(CHECKS);

    assertThat(changed).as("tasks changed").isEqualTo(300);
    assertThat(expiring)
        .allSatisfy(
            id -> {
              UploadTask task = stored(id);
              assertThat(task.status()).isEqualTo(TaskStatus.FAILED);
              assertThat(task.lastError().orElseThrow().code()).isEqualTo(TaskError.UPLOAD_EXPIRED);
            });
  }
}
