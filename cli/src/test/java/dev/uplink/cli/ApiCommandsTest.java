package dev.uplink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands against a stand-in API: what they send, and how they show what comes back. */
@DisplayName("Commands against the API")
class ApiCommandsTest {

  private static final String KEY = "test-key";
  private static final String ID = "01KAZ3V5QG7T2N4R8X6Y9B1C0D";

  private final FakeApi api = FakeApi.start();

  @AfterEach
  void stop() {
    api.close();
  }

  private CliRun run(String... args) {
    return CliRun.of(
        Map.of(
            CliSettings.API_URL_VARIABLE,
            api.url() + "/v1/uploads",
            CliSettings.API_KEY_VARIABLE,
            KEY),
        args);
  }

  private static String task(String id, String status) {
    return """
        {"id":"%s","status":"%s","container":"demo","path":"/srv/a.bin","mode":"0644","uid":0,
         "gid":0,"size":12,"sha256":null,"attempts":0,"bytesPushed":0,"lastError":null}
        """
        .formatted(id, status);
  }

  @Nested
  @DisplayName("status")
  class Status {

    @Test
    @DisplayName("shows the task with its timeline, presenting the key as a bearer token")
    void showsTimeline() {
      api.json("GET", "/v1/uploads/" + ID, 200, TaskFormatTest.DONE_WITH_TIMELINE);
      CliRun run = run("status", ID.toLowerCase());
      assertThat(run.exitCode()).as("%s", run).isZero();
      assertThat(run.stdout()).contains("status:      DONE", "timeline:", "PENDING -> PROCESSING");
      assertThat(api.requests().get(0).header("Authorization")).isEqualTo("Bearer " + KEY);
    }

    @Test
    @DisplayName("--json prints the API's representation, timeline included")
    void json() {
      api.json("GET", "/v1/uploads/" + ID, 200, TaskFormatTest.DONE_WITH_TIMELINE);
      CliRun run = run("status", ID, "--json");
      assertThat(Json.parse(run.stdout()))
          .as("stdout as JSON")
          .contains(Json.parse(TaskFormatTest.DONE_WITH_TIMELINE).orElseThrow());
    }

    @Test
    @DisplayName("--wait long-polls until the task finishes, and exits 1 with one line if FAILED")
    void waitsForFailure() {
      api.json("GET", "/v1/uploads/" + ID, 200, task(ID, "PROCESSING"))
          .json(
              "GET", "/v1/uploads/" + ID + "?wait=20", 200, TaskFormatTest.FAILED_WITHOUT_TIMELINE);
      CliRun run = run("status", ID, "--wait");
      assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
      assertThat(run.stdout()).contains("status:      FAILED");
      assertThat(run.stderrLines())
          .containsExactly(
              "uplink: task 01KAZ3V5QG7T2N4R8X6Y9B1C0E FAILED: PATH_NOT_FOUND: /missing/dir does"
                  + " not exist in web-1");
    }

    @Test
    @DisplayName("a refusal is one line with the problem's title, detail and status")
    void problem() {
      api.answer(
          "GET",
          "/v1/uploads/" + ID,
          401,
          "application/problem+json",
          "{\"type\":\"https://uplink.dev/problems/unauthorized\",\"title\":\"Unauthorized\","
              + "\"status\":401,\"detail\":\"The API key is not valid\"}",
          Map.of());
      CliRun run = run("status", ID);
      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.stderrLines())
          .containsExactly("uplink: Unauthorized: The API key is not valid (HTTP 401)");
      assertThat(run.stderr()).doesNotContain(KEY);
    }

    @Test
    @DisplayName("an answer that is not a problem is still one line, with the retry hint")
    void notAProblem() {
      api.answer(
          "GET",
          "/v1/uploads/" + ID,
          503,
          "text/html",
          "<html>\n<b>down</b>\n</html>",
          Map.of("Retry-After", "5"));
      CliRun run = run("status", ID);
      assertThat(run.stderrLines())
          .containsExactly("uplink: Service Unavailable (HTTP 503); retry after 5 s");
    }
  }

  private static String taskInProject(String id, String project) {
    return task(id, "DONE")
        .replace("\"container\"", "\"project\":\"" + project + "\",\"container\"");
  }

  @Nested
  @DisplayName("list")
  class ListTasks {

    @Test
    @DisplayName("--project filters by project, and the table names a project that is not default")
    void filtersByProject() {
      api.json(
          "GET",
          "/v1/uploads?limit=20&project=team-a",
          200,
          "{\"items\":[" + taskInProject(ID, "team-a") + "],\"nextCursor\":null}");

      CliRun run = run("list", "--project", "team-a");

      assertThat(run.exitCode()).as("%s", run).isZero();
      assertThat(run.stdout()).contains("team-a/demo:/srv/a.bin");
    }

    private String page(String cursor, String... ids) {
      String items =
          String.join(",", java.util.Arrays.stream(ids).map(id -> task(id, "DONE")).toList());
      return "{\"items\":["
          + items
          + "],\"nextCursor\":"
          + (cursor == null ? "null" : "\"" + cursor + "\"")
          + "}";
    }

    @Test
    @DisplayName("follows nextCursor and the Link header until --limit tasks are shown")
    void followsPages() {
      String a = "01KAZ3V5QG7T2N4R8X6Y9B1C0A";
      String b = "01KAZ3V5QG7T2N4R8X6Y9B1C0B";
      String c = "01KAZ3V5QG7T2N4R8X6Y9B1C0C";
      String d = "01KAZ3V5QG7T2N4R8X6Y9B1C0D";
      String e = "01KAZ3V5QG7T2N4R8X6Y9B1C0E";
      api.json("GET", "/v1/uploads?limit=5&status=DONE&container=demo", 200, page("c1", a, b))
          .answer(
              "GET",
              "/v1/uploads?limit=3&status=DONE&container=demo&cursor=c1",
              200,
              "application/json",
              "{\"items\":[" + task(c, "DONE") + "," + task(d, "DONE") + "]}",
              Map.of("Link", "</v1/uploads?cursor=c2&status=DONE&container=demo>; rel=\"next\""))
          .json(
              "GET",
              "/v1/uploads?limit=1&status=DONE&container=demo&cursor=c2",
              200,
              page("c3", e));

      CliRun run = run("list", "--status", "done", "--container", "demo", "--limit", "5", "--json");

      assertThat(run.exitCode()).as("%s", run).isZero();
      JsonNode listed = Json.parse(run.stdout()).orElseThrow();
      assertThat(listed.path("items").findValuesAsText("id")).containsExactly(a, b, c, d, e);
      assertThat(listed.path("nextCursor").asText()).isEqualTo("c3");
    }

    @Test
    @DisplayName("shows a table, and says on stderr where to go on when there are more")
    void table() {
      api.json("GET", "/v1/uploads?limit=1", 200, page("next-one", ID));
      CliRun run = run("list", "--limit", "1");
      assertThat(run.stdout().lines()).hasSize(2).first().asString().startsWith("ID ");
      assertThat(run.stderrLines())
          .containsExactly("uplink: more tasks: list again with --cursor next-one");
    }

    @Test
    @DisplayName("says so when there are no tasks")
    void empty() {
      api.json("GET", "/v1/uploads?limit=20", 200, page(null));
      assertThat(run("list").stdout()).isEqualTo("No tasks." + System.lineSeparator());
    }
  }

  @Nested
  @DisplayName("cancel")
  class Cancel {

    @Test
    @DisplayName("prints the cancelled task")
    void cancels() {
      api.json("DELETE", "/v1/uploads/" + ID, 200, task(ID, "CANCELLED"));
      CliRun run = run("cancel", ID);
      assertThat(run.exitCode()).isZero();
      assertThat(run.stdout()).startsWith(ID + "  CANCELLED  12 B  demo:/srv/a.bin");
    }

    @Test
    @DisplayName("of a finished task fails with exit 1 and the API's reason")
    void finishedTask() {
      api.answer(
          "DELETE",
          "/v1/uploads/" + ID,
          409,
          "application/problem+json",
          "{\"title\":\"Wrong task status\",\"detail\":\"The task is DONE and cannot be"
              + " cancelled\",\"taskStatus\":\"DONE\"}",
          Map.of());
      CliRun run = run("cancel", ID);
      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.stderrLines())
          .containsExactly(
              "uplink: Wrong task status: The task is DONE and cannot be cancelled (HTTP 409)");
    }
  }

  @Nested
  @DisplayName("upload")
  class Streamed {

    @TempDir Path dir;

    @Test
    @DisplayName("asks before sending a body past 1 MiB (Expect: 100-continue), not a small one")
    void asksBeforeSendingALargeBody() throws Exception {
      api.json("GET", "/v1/uploads?limit=1", 200, "{\"items\":[]}");
      Path large = Files.write(dir.resolve("large.bin"), new byte[2 * 1024 * 1024]);
      Path small = Files.writeString(dir.resolve("small.txt"), "hello, world");

      for (Path file : List.of(large, small)) {
        run("upload", file.toString(), "--container", "demo", "--path", "/srv/");
      }

      assertThat(api.requests())
          .filteredOn(r -> r.method().equals("POST"))
          .extracting(r -> (r.size() + " " + r.header("Expect")).toLowerCase(Locale.ROOT))
          .containsExactly(2 * 1024 * 1024 + " 100-continue", "12 null");
    }

    @Test
    @DisplayName("--mode 4755 is refused with exit 2 before anything reaches the API")
    void givenASetuidMode_whenUploading_thenExit2AndNoRequestIsSent() throws Exception {
      Path file = Files.writeString(dir.resolve("tool"), "#!/bin/sh\n");

      for (String transport : List.of("", "--presigned")) {
        var args =
            new ArrayList<>(
                List.of(
                    "upload",
                    file.toString(),
                    "--container",
                    "demo",
                    "--path",
                    "/usr/local/bin/",
                    "--mode",
                    "4755"));
        if (!transport.isEmpty()) {
          args.add(transport);
        }
        CliRun run = run(args.toArray(String[]::new));

        assertThat(run.exitCode()).as("upload %s: %s", transport, run).isEqualTo(2);
        assertThat(run.stderrLines())
            .singleElement()
            .asString()
            .contains("--mode must be between 0000 and 0777: Incus cannot set setuid");
      }
      assertThat(api.requests()).as("requests to the API").isEmpty();
    }

    @Test
    @DisplayName("--project is sent as the project parameter, and the task's project is shown")
    void givenAProject_whenUploading_thenItIsSentAndShown() throws Exception {
      api.json(
          "POST",
          "/v1/uploads?project=team-a&container=demo&path=%2Fsrv%2Fa.bin",
          202,
          "{\"id\":\"" + ID + "\",\"status\":\"PENDING\"}");
      api.json("GET", "/v1/uploads/" + ID, 200, taskInProject(ID, "team-a"));
      Path file = Files.writeString(dir.resolve("a.bin"), "hello");

      CliRun run =
          run(
              "upload",
              file.toString(),
              "--project",
              "team-a",
              "--container",
              "demo",
              "--path",
              "/srv/");

      assertThat(run.exitCode()).as("%s", run).isZero();
      assertThat(api.requests())
          .filteredOn(r -> r.method().equals("POST"))
          .singleElement()
          .extracting(FakeApi.Request::pathAndQuery)
          .asString()
          .contains("project=team-a");
      assertThat(run.stdout()).contains("team-a/demo:/srv/a.bin");
    }

    @Test
    @DisplayName("a malformed --project is a usage error (exit 2) before anything is sent")
    void givenAMalformedProject_whenUploading_thenExit2() throws Exception {
      Path file = Files.writeString(dir.resolve("a.bin"), "hello");

      CliRun run =
          run(
              "upload",
              file.toString(),
              "--project",
              "a/b",
              "--container",
              "demo",
              "--path",
              "/srv/");

      assertThat(run.exitCode()).as("%s", run).isEqualTo(2);
      assertThat(run.stderrLines()).singleElement().asString().contains("--project must be");
      assertThat(api.requests()).isEmpty();
    }

    @Test
    @DisplayName("--mode 0755 --uid 1000 --gid 1000 is sent as given")
    void givenAModeWithoutSpecialBits_whenUploading_thenItIsSentAsGiven() throws Exception {
      api.json("GET", "/v1/uploads?limit=1", 200, "{\"items\":[]}");
      Path file = Files.writeString(dir.resolve("tool"), "#!/bin/sh\n");

      run(
          "upload",
          file.toString(),
          "--container",
          "demo",
          "--path",
          "/usr/local/bin/",
          "--mode",
          "0755",
          "--uid",
          "1000",
          "--gid",
          "1000");

      assertThat(api.requests())
          .filteredOn(r -> r.method().equals("POST"))
          .singleElement()
          .extracting(FakeApi.Request::pathAndQuery)
          .asString()
          .contains("mode=0755", "uid=1000", "gid=1000");
    }

    @Test
    @DisplayName("--container remote:instance is sent as it is, for the API to route or refuse")
    void givenARemoteInstance_whenUploading_thenItIsSentUnchanged() throws Exception {
      api.json("GET", "/v1/uploads?limit=1", 200, "{\"items\":[]}");
      Path file = Files.writeString(dir.resolve("conf"), "x=1\n");

      run("upload", file.toString(), "--container", "lab:web", "--path", "/srv/conf");

      assertThat(api.requests())
          .filteredOn(r -> r.method().equals("POST"))
          .singleElement()
          .extracting(FakeApi.Request::pathAndQuery)
          .asString()
          .contains("container=lab%3Aweb&");
    }
  }

  @Nested
  @DisplayName("upload --presigned")
  class Presigned {

    @TempDir Path dir;

    private Path file() throws Exception {
      return Files.writeString(dir.resolve("a.bin"), "hello, world");
    }

    private static String sha256(Path file) throws Exception {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    @Test
    @DisplayName("declares size and SHA-256, PUTs without the API key, then completes")
    void singlePut() throws Exception {
      Path file = file();
      api.json("GET", "/v1/uploads?limit=1", 200, "{\"items\":[]}")
          .json(
              "POST",
              "/v1/uploads/presign",
              201,
              """
              {"id":"%s","status":"AWAITING_UPLOAD","upload":{"method":"PUT","url":"%s/s3/obj?X-Amz-Signature=s",
               "headers":{"Content-Length":"12","x-amz-checksum-sha256":"b64"}}}
              """
                  .formatted(ID, api.url()))
          .answer("PUT", "/s3/obj?X-Amz-Signature=s", 200, "text/plain", "", Map.of())
          .json("POST", "/v1/uploads/" + ID + "/complete", 202, task(ID, "PENDING"))
          .json("GET", "/v1/uploads/" + ID, 200, task(ID, "PENDING"));

      CliRun run =
          run("upload", file.toString(), "--container", "demo", "--path", "/srv/", "--presigned");

      assertThat(run.exitCode()).as("%s", run).isZero();
      assertThat(run.stdout()).startsWith(ID + "  PENDING");
      List<FakeApi.Request> requests = api.requests();
      assertThat(requests)
          .extracting(r -> r.method() + " " + r.pathAndQuery())
          .containsExactly(
              "GET /v1/uploads?limit=1",
              "POST /v1/uploads/presign",
              "PUT /s3/obj?X-Amz-Signature=s",
              "POST /v1/uploads/" + ID + "/complete",
              "GET /v1/uploads/" + ID);
      FakeApi.Request put = requests.get(2);
      assertThat(put.header("Authorization")).as("API key sent to the object store").isNull();
      assertThat(put.header("x-amz-checksum-sha256")).isEqualTo("b64");
      assertThat(put.size()).isEqualTo(12);
      assertThat(requests.get(1).header("Authorization")).isEqualTo("Bearer " + KEY);
      // The declaration: --path ending in / takes the file's name.
      assertThat(Json.parse(requests.get(1).text()).orElseThrow())
          .isEqualTo(
              Json.parse(
                      "{\"container\":\"demo\",\"path\":\"/srv/a.bin\",\"size\":12,\"sha256\":\""
                          + sha256(file)
                          + "\"}")
                  .orElseThrow());
    }

    private static final String PART =
        """
        {"partNumber":%d,"method":"PUT","url":"%s/s3/part%d","headers":{"Content-Length":"%d"}}
        """;

    private static String sha256(String text) throws Exception {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** The API's answers for "hello, world" in parts of 5 bytes: "hello", ", wor", "ld". */
    private void multipartInThreeParts(String storedParts) {
      api.json("GET", "/v1/uploads?limit=1", 200, "{\"items\":[]}")
          .json(
              "POST",
              "/v1/uploads/multipart",
              201,
              "{\"id\":\"%s\",\"status\":\"AWAITING_UPLOAD\",\"partSize\":5,\"partCount\":3}"
                  .formatted(ID))
          .json("GET", "/v1/uploads/" + ID + "/parts", 200, "{\"parts\":[" + storedParts + "]}")
          .json("POST", "/v1/uploads/" + ID + "/complete", 202, task(ID, "PENDING"))
          .json("GET", "/v1/uploads/" + ID, 200, task(ID, "PENDING"));
    }

    private void partUrl(int number, String content) throws Exception {
      api.json(
          "POST",
          "/v1/uploads/" + ID + "/parts/" + number + "?sha256=" + sha256(content),
          200,
          PART.formatted(number, api.url(), number, content.length()));
    }

    private CliRun uploadInParts(Path file) {
      return run(
          "upload",
          file.toString(),
          "--container",
          "demo",
          "--path",
          "/srv/a.bin",
          "--presigned",
          "--multipart-threshold",
          "4",
          "--idempotency-key",
          "resume-me");
    }

    @Test
    @DisplayName(
        "in parts above the threshold, each with its SHA-256, skipping the parts the store already"
            + " holds")
    void resumesParts() throws Exception {
      Path file = file();
      multipartInThreeParts("{\"partNumber\":1,\"size\":5,\"etag\":\"e1\"}");
      partUrl(2, ", wor");
      partUrl(3, "ld");
      api.answer("PUT", "/s3/part2", 200, "text/plain", "", Map.of())
          .answer("PUT", "/s3/part3", 200, "text/plain", "", Map.of());

      CliRun run = uploadInParts(file);

      assertThat(run.exitCode()).as("%s", run).isZero();
      assertThat(api.requests())
          .filteredOn(r -> r.method().equals("PUT"))
          .extracting(r -> r.pathAndQuery() + " " + r.size())
          .containsExactly("/s3/part2 5", "/s3/part3 2");
      assertThat(api.requests().get(1).header("Idempotency-Key")).isEqualTo("resume-me");
      assertThat(Json.parse(api.requests().get(1).text()).orElseThrow().path("partChecksums"))
          .as("the declaration says every part's URL will be asked for with its SHA-256")
          .isEqualTo(BooleanNode.TRUE);
    }

    @Test
    @DisplayName("a held part whose listed SHA-256 is not the file's is sent again")
    void resendsAHeldPartWithAnotherSha256() throws Exception {
      Path file = file();
      multipartInThreeParts(
          ("{\"partNumber\":1,\"size\":5,\"etag\":\"e1\",\"sha256\":\"%s\"},"
                  + "{\"partNumber\":2,\"size\":5,\"etag\":\"e2\",\"sha256\":\"%s\"},"
                  + "{\"partNumber\":3,\"size\":2,\"etag\":\"e3\",\"sha256\":\"%s\"}")
              .formatted(sha256("hello"), sha256(", WOR"), sha256("ld")));
      partUrl(2, ", wor");
      api.answer("PUT", "/s3/part2", 200, "text/plain", "", Map.of());

      CliRun run = uploadInParts(file);

      assertThat(run.exitCode()).as("%s", run).isZero();
      assertThat(api.requests())
          .filteredOn(r -> r.method().equals("PUT"))
          .extracting(FakeApi.Request::pathAndQuery)
          .containsExactly("/s3/part2");
    }

    @Test
    @DisplayName(
        "a part the store finds damaged (BadDigest) is sent again, and refused three times it is"
            + " one line saying so")
    void damagedPartIsRetriedThenReported() throws Exception {
      Path file = file();
      multipartInThreeParts("");
      partUrl(1, "hello");
      api.answer(
          "PUT",
          "/s3/part1",
          400,
          "application/xml",
          "<?xml version=\"1.0\"?>\n<Error><Code>BadDigest</Code>\n"
              + "<Message>The SHA256 you specified did not match the calculated checksum."
              + "</Message></Error>",
          Map.of());

      CliRun run = uploadInParts(file);

      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(api.requests())
          .filteredOn(r -> r.method().equals("PUT"))
          .extracting(FakeApi.Request::pathAndQuery)
          .containsExactly("/s3/part1", "/s3/part1", "/s3/part1");
      assertThat(run.stderrLines())
          .containsExactly(
              "uplink: the object store refused part 1 of 3: BadDigest: The SHA256 you specified"
                  + " did not match the calculated checksum. (HTTP 400): its bytes differed from"
                  + " those hashed before sending it 3 times: is "
                  + file
                  + " being written to?");
      assertThat(api.requests())
          .extracting(FakeApi.Request::pathAndQuery)
          .doesNotContain("/v1/uploads/" + ID + "/complete");
    }

    @Test
    @DisplayName("an object store's refusal is one line with its error code and message")
    void storeRefuses() throws Exception {
      api.json("GET", "/v1/uploads?limit=1", 200, "{\"items\":[]}")
          .json(
              "POST",
              "/v1/uploads/presign",
              201,
              "{\"id\":\"%s\",\"status\":\"AWAITING_UPLOAD\",\"upload\":{\"method\":\"PUT\",\"url\":\"%s/s3/obj\",\"headers\":{}}}"
                  .formatted(ID, api.url()))
          .answer(
              "PUT",
              "/s3/obj",
              403,
              "application/xml",
              "<?xml version=\"1.0\"?>\n<Error><Code>SignatureDoesNotMatch</Code>\n"
                  + "<Message>The request signature we calculated does not match</Message></Error>",
              Map.of());

      CliRun run =
          run("upload", file().toString(), "--container", "demo", "--path", "/a", "--presigned");

      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.stderrLines())
          .containsExactly(
              "uplink: the object store refused the upload: SignatureDoesNotMatch: The request"
                  + " signature we calculated does not match (HTTP 403)");
    }
  }
}
