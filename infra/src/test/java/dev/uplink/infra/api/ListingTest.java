package dev.uplink.infra.api;

import static dev.uplink.core.testing.TaskBuilder.aTask;
import static dev.uplink.infra.api.ApiFixture.ALICE;
import static dev.uplink.infra.api.ApiFixture.BOB;
import static dev.uplink.infra.api.ApiFixture.WEB_ONLY;
import static dev.uplink.infra.api.ApiFixture.declaration;
import static dev.uplink.infra.api.ApiFixture.expect;
import static dev.uplink.infra.api.ApiFixture.problem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.core.domain.UploadTask;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code GET /v1/uploads}: newest first, an opaque cursor, only the caller's tasks. */
class ListingTest {

  @RegisterExtension static final ApiFixture api = ApiFixture.create();
  private static final List<String> alices = new ArrayList<>();
  private static final List<String> bobs = new ArrayList<>();

  @BeforeAll
  static void createTasks() {
    IntStream.range(0, 250)
        .parallel()
        .forEach(
            n -> {
              String owner = n % 12 == 0 ? BOB : ALICE;
              String container = n % 5 == 0 ? "web-2" : "web-1";
              String id =
                  expect(
                          api.postJson(
                              owner,
                              "/v1/uploads/presign",
                              declaration(container, "/srv/list/" + n, new byte[] {(byte) n})),
                          201)
                      .path("id")
                      .asText();
              synchronized (alices) {
                (owner.equals(BOB) ? bobs : alices).add(id);
              }
            });
    // Task ids are time-ordered (ULIDs): newest first is descending id order.
    alices.sort(Collections.reverseOrder());
    bobs.sort(Collections.reverseOrder());
  }

  private static List<String> walk(String key, String filter, int limit) {
    var seen = new ArrayList<String>();
    String next = null;
    int pages = 0;
    do {
      var response =
          api.get(
              key, "/v1/uploads?limit=" + limit + filter + (next == null ? "" : "&cursor=" + next));
      JsonNode page = expect(response, 200);
      page.path("items").forEach(task -> seen.add(task.path("id").asText()));
      next = page.path("nextCursor").isNull() ? null : page.path("nextCursor").asText();
      if (next != null) {
        String expected = "cursor=" + next;
        assertThat(response.headers().firstValue("Link"))
            .hasValueSatisfying(
                link -> assertThat(link).contains(expected).endsWith("rel=\"next\""));
      }
      assertThat(++pages).as("pages").isLessThan(100);
    } while (next != null);
    return seen;
  }

  @Test
  void walkingEveryPageYieldsEachTaskOnceNewestFirst() {
    assertThat(walk(ALICE, "", 17)).containsExactlyElementsOf(alices);
    assertThat(walk(BOB, "", 17)).containsExactlyElementsOf(bobs);
  }

  @Test
  void filtersByContainerAndStatus() {
    List<String> web2 = walk(ALICE, "&container=web-2", 9);
    assertThat(web2).isNotEmpty().allSatisfy(id -> assertThat(alices).contains(id));
    assertThat(web2.size()).isLessThan(alices.size());
    assertThat(walk(ALICE, "&status=AWAITING_UPLOAD", 50)).containsExactlyElementsOf(alices);
    assertThat(walk(ALICE, "&status=done", 50)).isEmpty();
  }

  @Test
  void aFilteredPageLooksAtAThousandTasksAtMost_andItsCursorGoesOnEvenFromAnEmptyPage() {
    // Carol's oldest task is the only one on web-9; 1,100 newer ones are on web-1.
    UploadTask onlyMatch = carolsTask("web-9");
    api.tasks.create(onlyMatch);
    IntStream.range(0, 1_100).parallel().forEach(n -> api.tasks.create(carolsTask("web-1")));

    JsonNode first = expect(api.get(WEB_ONLY, "/v1/uploads?limit=1&container=web-9"), 200);

    assertThat(first.path("items")).as("items of the first page").isEmpty();
    assertThat(first.path("nextCursor").isTextual()).as("a cursor to go on").isTrue();
    assertThat(walk(WEB_ONLY, "&container=web-9", 1)).containsExactly(onlyMatch.id().value());
    assertThat(walk(WEB_ONLY, "&container=nomatch", 1)).isEmpty();
    assertThat(walk(WEB_ONLY, "&status=DONE", 100)).isEmpty();
  }

  private static UploadTask carolsTask(String container) {
    return aTask()
        .ownedBy("carol")
        .to(container, "/srv/uploads/listed.bin")
        .sha256("0".repeat(64))
        .build();
  }

  @Test
  void aForeignOrForgedCursorIsRefusedOrScopedToTheCaller() {
    problem(api.get(ALICE, "/v1/uploads?cursor=not-a-cursor"), 400, "invalid-request");
    problem(api.get(ALICE, "/v1/uploads?limit=1000"), 400, "invalid-request");
    problem(api.get(ALICE, "/v1/uploads?status=SLEEPING"), 400, "invalid-request");
    // Bob's cursor in Alice's hands lists Alice's tasks, never Bob's.
    String bobsCursor =
        expect(api.get(BOB, "/v1/uploads?limit=1"), 200).path("nextCursor").asText();
    JsonNode page = expect(api.get(ALICE, "/v1/uploads?limit=100&cursor=" + bobsCursor), 200);
    page.path("items").forEach(task -> assertThat(alices).contains(task.path("id").asText()));
  }
}
