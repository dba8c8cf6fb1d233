package dev.uplink.infra.api;

import static dev.uplink.infra.api.ApiFixture.ALICE;
import static dev.uplink.infra.api.ApiFixture.BOB;
import static dev.uplink.infra.api.ApiFixture.expect;
import static dev.uplink.infra.api.ApiFixture.problem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One owner may hold only so many long polls ({@code ?wait=}) open at once (10 by default): one
 * more is 429 with Retry-After, while other owners and plain reads are served. Against the API on
 * real sockets; no poller runs, so tasks stay PENDING and long polls wait their full time.
 */
class LongPollCapTest {

  private static final int CAP = 10;

  @RegisterExtension static final ApiFixture api = ApiFixture.create();

  @Test
  void givenAnOwnerWithAllItsLongPollsOpen_whenItOpensOneMore_thenItIs429AndOthersAreServed()
      throws Exception {
    String mine = upload(ALICE, "/srv/watched.bin");
    String bobs = upload(BOB, "/srv/bobs.bin");
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    List<CompletableFuture<HttpResponse<String>>> open = new ArrayList<>();
    for (int i = 0; i < CAP; i++) {
      open.add(
          client.sendAsync(
              api.request(ALICE, "/v1/uploads/" + mine + "?wait=20").GET().build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    Thread.sleep(1500); // every one is being answered slowly by now

    long started = System.nanoTime();
    HttpResponse<String> oneMore = api.get(ALICE, "/v1/uploads/" + mine + "?wait=20");

    JsonNode refused = problem(oneMore, 429, "too-many-long-polls");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    assertThat(oneMore.headers().firstValue("Retry-After")).isPresent();
    assertThat(refused.path("detail").asText()).contains(Integer.toString(CAP));
    assertThat(expect(api.get(ALICE, "/v1/uploads/" + mine), 200).path("status").asText())
        .as("a read without wait")
        .isEqualTo("PENDING");
    assertThat(expect(api.get(BOB, "/v1/uploads/" + bobs + "?wait=1"), 200).path("id").asText())
        .as("another owner's long poll")
        .isEqualTo(bobs);

    // Cancelling the task answers every open long poll; then there is room again.
    expect(api.delete(ALICE, "/v1/uploads/" + mine), 200);
    for (var poll : open) {
      assertThat(expect(poll.get(10, TimeUnit.SECONDS), 200).path("status").asText())
          .isEqualTo("CANCELLED");
    }
    assertThat(expect(api.get(ALICE, "/v1/uploads/" + mine + "?wait=1"), 200).path("id").asText())
        .isEqualTo(mine);
  }

  private static String upload(String key, String path) {
    return expect(api.upload(key, "web-1", path, BodyPublishers.ofString("x"), Map.of()), 202)
        .path("id")
        .asText();
  }
}
