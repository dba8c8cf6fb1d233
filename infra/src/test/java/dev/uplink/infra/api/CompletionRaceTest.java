package dev.uplink.infra.api;

import static dev.uplink.infra.api.ApiFixture.ALICE;
import static dev.uplink.infra.api.ApiFixture.declaration;
import static dev.uplink.infra.api.ApiFixture.expect;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.api.DirectUploadService;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import java.net.http.HttpRequest.BodyPublishers;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Completion by the endpoint and by the store's object-created event (the same call the event
 * handler makes), in either order and at once: one move to PENDING, one message.
 */
class CompletionRaceTest {

  @RegisterExtension static final ApiFixture api = ApiFixture.create();
  private static DirectUploadService direct;

  @BeforeAll
  static void start() {
    direct = api.service.direct().orElseThrow();
  }

  /** A presigned task whose bytes are in the store, not yet completed. */
  private static JsonNode uploaded(int n) throws Exception {
    byte[] content = ("file " + n).getBytes();
    JsonNode created =
        expect(
            api.postJson(
                ALICE, "/v1/uploads/presign", declaration("web-1", "/srv/race/" + n, content)),
            201);
    assertThat(
            api.sendPresigned(created.path("upload"), BodyPublishers.ofByteArray(content))
                .statusCode())
        .isEqualTo(200);
    return created;
  }

  private static String endpoint(JsonNode created) {
    JsonNode task = expect(api.post(ALICE, created.path("completeUrl").asText()), 202);
    return task.path("status").asText();
  }

  private static String event(JsonNode created) {
    Optional<UploadTask> task = direct.completeObject("uploads/" + created.path("id").asText());
    return task.map(t -> t.status().name()).orElse("none");
  }

  @Test
  void whicheverComesSecondIsANoOp() throws Exception {
    var ids = new ArrayList<String>();
    for (int n = 0; n < 5; n++) {
      JsonNode endpointFirst = uploaded(n);
      assertThat(endpoint(endpointFirst)).isEqualTo("PENDING");
      assertThat(event(endpointFirst)).isEqualTo("PENDING");
      JsonNode eventFirst = uploaded(100 + n);
      assertThat(event(eventFirst)).isEqualTo("PENDING");
      assertThat(endpoint(eventFirst)).isEqualTo("PENDING");
      ids.add(endpointFirst.path("id").asText());
      ids.add(eventFirst.path("id").asText());
    }

    assertThat(api.drainQueue()).containsExactlyInAnyOrderElementsOf(ids);
  }

  @Test
  void atTheSameTimeOnlyOnePublishes() throws Exception {
    var ids = new ArrayList<String>();
    for (int n = 0; n < 10; n++) {
      JsonNode created = uploaded(200 + n);
      var go = new CountDownLatch(1);
      List<CompletableFuture<String>> racers =
          List.of(
              CompletableFuture.supplyAsync(() -> await(go, () -> endpoint(created))),
              CompletableFuture.supplyAsync(() -> await(go, () -> event(created))),
              CompletableFuture.supplyAsync(() -> await(go, () -> endpoint(created))));
      go.countDown();
      for (var racer : racers) {
        assertThat(racer.get()).isEqualTo(TaskStatus.PENDING.name());
      }
      ids.add(created.path("id").asText());
    }

    assertThat(api.drainQueue()).containsExactlyInAnyOrderElementsOf(ids);
  }

  private static String await(CountDownLatch go, Supplier<String> action) {
    try {
      go.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return action.get();
  }
}
