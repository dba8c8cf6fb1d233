package dev.uplink.infra.api;

import static dev.uplink.infra.api.ApiFixture.ALICE;
import static dev.uplink.infra.api.ApiFixture.WEB_ONLY;
import static dev.uplink.infra.api.ApiFixture.declaration;
import static dev.uplink.infra.api.ApiFixture.expect;
import static dev.uplink.infra.api.ApiFixture.problem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.core.domain.TaskConflictException;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStatus;
import java.net.http.HttpRequest.BodyPublishers;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Cancelling tasks, and the destination policy of API keys. */
class CancelAndPolicyTest {

  @RegisterExtension static final ApiFixture api = ApiFixture.create();

  private static String streamed(String path) {
    return expect(
            api.upload(ALICE, "web-1", path, BodyPublishers.ofByteArray(new byte[100]), Map.of()),
            202)
        .path("id")
        .asText();
  }

  @Nested
  class Cancel {

    @Test
    void aPendingTaskIsCancelledAndItsObjectDeleted() {
      String id = streamed("/srv/cancel/a");

      JsonNode task = expect(api.delete(ALICE, "/v1/uploads/" + id), 200);

      assertThat(task.path("status").asText()).isEqualTo("CANCELLED");
      assertThat(api.storedKeys()).doesNotContain("uploads/" + id);
      assertThatThrownBy(
              () -> api.tasks.claim(new TaskId(id), Instant.now(), Duration.ofMinutes(1)))
          .as("a worker holding its message cannot claim it")
          .isInstanceOf(TaskConflictException.class);
    }

    @Test
    void aTaskAWorkerHoldsCannotBeCancelled() {
      String id = streamed("/srv/cancel/b");
      api.tasks.claim(new TaskId(id), Instant.now(), Duration.ofMinutes(1));

      JsonNode problem = problem(api.delete(ALICE, "/v1/uploads/" + id), 409, "wrong-status");

      assertThat(problem.path("taskStatus").asText()).isEqualTo("PROCESSING");
    }

    @Test
    void cancelRacingAClaimEndsOneWayOrTheOtherNeverBoth() throws Exception {
      int cancelled = 0;
      int claimed = 0;
      for (int n = 0; n < 20; n++) {
        TaskId id = new TaskId(streamed("/srv/cancel/race-" + n));
        var go = new CountDownLatch(1);
        var cancel =
            CompletableFuture.supplyAsync(
                () -> {
                  await(go);
                  return api.delete(ALICE, "/v1/uploads/" + id.value()).statusCode();
                });
        var claim =
            CompletableFuture.supplyAsync(
                () -> {
                  await(go);
                  try {
                    api.tasks.claim(id, Instant.now(), Duration.ofMinutes(1));
                    return true;
                  } catch (TaskConflictException e) {
                    return false;
                  }
                });
        go.countDown();
        int cancelStatus = cancel.get();
        boolean claimWon = claim.get();
        TaskStatus status = api.tasks.find(id).orElseThrow().status();
        if (claimWon) {
          assertThat(cancelStatus).isEqualTo(409);
          assertThat(status).isEqualTo(TaskStatus.PROCESSING);
          claimed++;
        } else {
          assertThat(cancelStatus).isEqualTo(200);
          assertThat(status).isEqualTo(TaskStatus.CANCELLED);
          cancelled++;
        }
      }
      assertThat(cancelled + claimed).isEqualTo(20);
    }
  }

  @Nested
  class Policy {

    @Test
    void destinationsOutsideTheKeysGrantsAre403BeforeAnythingIsStored() {
      int objects = api.storedKeys().size();

      var streamedElsewhere =
          api.upload(
              WEB_ONLY,
              "db-1",
              "/srv/uploads/a",
              BodyPublishers.ofByteArray(new byte[10]),
              Map.of());
      var presignedOutside =
          api.postJson(
              WEB_ONLY, "/v1/uploads/presign", declaration("web-1", "/etc/passwd", new byte[10]));
      var multipartOutside =
          api.postJson(
              WEB_ONLY,
              "/v1/uploads/multipart",
              declaration("db-1", "/srv/uploads/x", new byte[10]));

      assertThat(problem(streamedElsewhere, 403, "destination-forbidden").path("field").asText())
          .isEqualTo("container");
      assertThat(problem(presignedOutside, 403, "destination-forbidden").path("field").asText())
          .isEqualTo("path");
      assertThat(problem(multipartOutside, 403, "destination-forbidden").path("field").asText())
          .isEqualTo("container");
      assertThat(api.storedKeys()).hasSize(objects);
      assertThat(expect(api.get(WEB_ONLY, "/v1/uploads"), 200).path("items")).isEmpty();
      assertThat(
              api.aws
                  .clients()
                  .s3()
                  .listMultipartUploads(r -> r.bucket(api.aws.settings().bucket()))
                  .uploads())
          .isEmpty();
    }

    @Test
    void destinationsInsideTheGrantsAreAccepted() {
      expect(
          api.upload(
              WEB_ONLY,
              "web-7",
              "/srv/uploads/ok.bin",
              BodyPublishers.ofByteArray(new byte[10]),
              Map.of()),
          202);
    }
  }

  private static void await(CountDownLatch go) {
    try {
      go.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
