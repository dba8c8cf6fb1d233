package dev.uplink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("Tasks as text")
class TaskFormatTest {

  static final String DONE_WITH_TIMELINE =
      """
      {"id":"01KAZ3V5QG7T2N4R8X6Y9B1C0D","status":"DONE","container":"demo",
       "path":"/srv/uploads/demo.bin","mode":"0640","uid":1000,"gid":0,"size":20971520,
       "sha256":"ab12","attempts":2,"bytesPushed":20971520,"upload":null,"lastError":null,
       "createdAt":"2026-11-22T06:30:00.123Z","updatedAt":"2026-11-22T06:30:09.456Z",
       "timeline":[
         {"at":"2026-11-22T06:30:00.123Z","from":null,"to":"PENDING","attempt":0,
          "reason":"uploaded"},
         {"at":"2026-11-22T06:30:01.000Z","from":"PENDING","to":"PROCESSING","attempt":1,
          "reason":"claimed by a worker"},
         {"at":"2026-11-22T06:30:04.000Z","from":"PROCESSING","to":"PENDING","attempt":1,
          "reason":"TARGET_UNAVAILABLE: connection refused"},
         {"at":"2026-11-22T06:30:09.456Z","from":"PENDING","to":"DONE","attempt":2,
          "reason":"pushed and verified"}]}
      """;

  static final String FAILED_WITHOUT_TIMELINE =
      """
      {"id":"01KAZ3V5QG7T2N4R8X6Y9B1C0E","status":"FAILED","container":"web-1",
       "path":"/missing/dir/a.txt","mode":"0644","uid":0,"gid":0,"size":5,
       "sha256":"cd34","attempts":1,"bytesPushed":0,
       "lastError":{"code":"PATH_NOT_FOUND","message":"/missing/dir does not exist\\nin web-1"},
       "createdAt":"2026-11-22T07:00:00.000Z","updatedAt":"2026-11-22T07:00:01.000Z"}
      """;

  static Task task(String json) {
    return Task.of(Json.parse(json).orElseThrow());
  }

  @Nested
  @DisplayName("uplink status")
  class Status {

    @Test
    @DisplayName("shows status, destination, size, bytes pushed, attempts and last error")
    void fields() {
      assertThat(TaskFormat.status(task(FAILED_WITHOUT_TIMELINE)).lines())
          .containsSubsequence(
              "id:          01KAZ3V5QG7T2N4R8X6Y9B1C0E",
              "status:      FAILED",
              "destination: web-1:/missing/dir/a.txt (mode 0644, uid 0, gid 0)",
              "size:        5 B (5 bytes)",
              "pushed:      0 B (0%)",
              "attempts:    1",
              "last error:  PATH_NOT_FOUND: /missing/dir does not exist in web-1");
    }

    @Test
    @DisplayName(
        "names the project (default when the API names none) and a remote that is not default")
    void projectAndRemote() {
      String inTeamA =
          FAILED_WITHOUT_TIMELINE.replace(
              "\"container\"", "\"remote\":\"lab\",\"project\":\"team-a\",\"container\"");

      assertThat(TaskFormat.status(task(inTeamA)).lines())
          .containsSubsequence(
              "destination: lab:team-a/web-1:/missing/dir/a.txt (mode 0644, uid 0, gid 0)",
              "project:     team-a");
      assertThat(TaskFormat.status(task(FAILED_WITHOUT_TIMELINE)).lines())
          .contains("project:     default");
    }

    @Test
    @DisplayName("shows no timeline when the API sends none")
    void noTimeline() {
      assertThat(TaskFormat.status(task(FAILED_WITHOUT_TIMELINE))).doesNotContain("timeline");
    }

    @Test
    @DisplayName("shows the timeline, one aligned row per change, when the API sends one")
    void timeline() {
      String text = TaskFormat.status(task(DONE_WITH_TIMELINE));
      assertThat(text.lines().dropWhile(l -> !l.equals("timeline:")).toList())
          .containsExactly(
              "timeline:",
              "  2026-11-22T06:30:00.123Z  (new) -> PENDING       attempt 0  uploaded",
              "  2026-11-22T06:30:01.000Z  PENDING -> PROCESSING  attempt 1  claimed by a worker",
              "  2026-11-22T06:30:04.000Z  PROCESSING -> PENDING  attempt 1  TARGET_UNAVAILABLE:"
                  + " connection refused",
              "  2026-11-22T06:30:09.456Z  PENDING -> DONE        attempt 2  pushed and verified");
      assertThat(text).contains("pushed:      20.0 MiB (100%)", "attempts:    2");
    }

    @Test
    @DisplayName("tolerates fields it does not know and fields it misses")
    void tolerant() {
      JsonNode json =
          Json.parse("{\"id\":\"X\",\"status\":\"NEW_STATUS\",\"shiny\":[1,2],\"timeline\":{}}")
              .orElseThrow();
      assertThat(TaskFormat.status(Task.of(json))).contains("status:      NEW_STATUS");
    }
  }

  @Test
  @DisplayName("an upload prints one summary line: id, status, size, destination")
  void summary() {
    assertThat(TaskFormat.summary(task(DONE_WITH_TIMELINE)))
        .isEqualTo("01KAZ3V5QG7T2N4R8X6Y9B1C0D  DONE  20.0 MiB  demo:/srv/uploads/demo.bin");
  }

  @Test
  @DisplayName("a listing is a table with a header row")
  void table() {
    assertThat(TaskFormat.table(List.of(task(DONE_WITH_TIMELINE), task(FAILED_WITHOUT_TIMELINE))))
        .containsExactly(
            "ID                          STATUS  SIZE      PUSHED  UPDATED                   DESTINATION",
            "01KAZ3V5QG7T2N4R8X6Y9B1C0D  DONE    20.0 MiB  100%    2026-11-22T06:30:09.456Z "
                + " demo:/srv/uploads/demo.bin",
            "01KAZ3V5QG7T2N4R8X6Y9B1C0E  FAILED  5 B       0%      2026-11-22T07:00:01.000Z "
                + " web-1:/missing/dir/a.txt");
  }

  @Test
  @DisplayName("a task not delivered is one error line: FAILED with its last error, or CANCELLED")
  void failure() {
    assertThat(TaskFormat.failure(task(FAILED_WITHOUT_TIMELINE)))
        .contains(
            "task 01KAZ3V5QG7T2N4R8X6Y9B1C0E FAILED: PATH_NOT_FOUND: /missing/dir does not exist"
                + " in web-1");
    assertThat(TaskFormat.failure(task(DONE_WITH_TIMELINE))).isEmpty();
  }
}
