package dev.uplink.infra.api;

import static dev.uplink.infra.api.ApiFixture.ALICE;
import static dev.uplink.infra.api.ApiFixture.declaration;
import static dev.uplink.infra.api.ApiFixture.expect;
import static dev.uplink.infra.api.ApiFixture.problem;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest.BodyPublishers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code Idempotency-Key}: a retried request gets the first answer's task, never a second one. */
class IdempotencyTest {

  @RegisterExtension static final ApiFixture api = ApiFixture.create();

  private static String upload(String key, String path, byte[] body) {
    return expect(
            api.upload(
                ALICE,
                "web-1",
                path,
                BodyPublishers.ofByteArray(body),
                Map.of("Idempotency-Key", key)),
            202)
        .path("id")
        .asText();
  }

  @Test
  void retriesOfStreamedAndPresignedUploadsGetTheSameTask() {
    String first = upload("stream-1", "/srv/a", new byte[] {1, 2, 3});
    String retry = upload("stream-1", "/srv/a", new byte[] {1, 2, 3});
    var declared = declaration("web-1", "/srv/b", new byte[] {4});
    String presigned =
        expect(
                api.postJson(
                    ALICE, "/v1/uploads/presign", declared, Map.of("Idempotency-Key", "p-1")),
                201)
            .path("id")
            .asText();
    String presignedAgain =
        expect(
                api.postJson(
                    ALICE, "/v1/uploads/presign", declared, Map.of("Idempotency-Key", "p-1")),
                201)
            .path("id")
            .asText();

    assertThat(retry).isEqualTo(first);
    assertThat(presignedAgain).isEqualTo(presigned);
    assertThat(api.drainQueue()).containsExactly(first);
    assertThat(api.storedKeys()).containsExactly("uploads/" + first);
  }

  @Test
  void theSameKeyForAnotherRequestIsAConflict() {
    String first = upload("reused", "/srv/c", new byte[] {1});

    var conflict =
        problem(
            api.upload(
                ALICE,
                "web-1",
                "/srv/d",
                BodyPublishers.ofByteArray(new byte[] {1}),
                Map.of("Idempotency-Key", "reused")),
            409,
            "idempotency-key-reused");

    assertThat(conflict.path("taskId").asText()).isEqualTo(first);
    assertThat(conflict.path("field").asText()).isEqualTo("Idempotency-Key");
  }

  @Test
  void concurrentRetriesCreateOneTaskAndLeaveNoOrphanedObjects() throws Exception {
    List<String> before = new ArrayList<>(api.storedKeys());
    api.drainQueue();
    var go = new CountDownLatch(1);
    var racers = new ArrayList<CompletableFuture<String>>();
    for (int i = 0; i < 8; i++) {
      racers.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                return upload("race-1", "/srv/race", new byte[64 * 1024]);
              }));
    }
    go.countDown();
    var ids = new ArrayList<String>();
    for (var racer : racers) {
      ids.add(racer.get());
    }

    assertThat(ids).as("every retry answers the same task").containsOnly(ids.get(0));
    assertThat(api.drainQueue()).as("published once").containsExactly(ids.get(0));
    var created = new ArrayList<>(api.storedKeys());
    created.removeAll(before);
    assertThat(created)
        .as("the losers' objects are deleted")
        .containsExactly("uploads/" + ids.get(0));
  }
}
