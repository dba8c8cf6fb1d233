package dev.uplink.infra.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.core.config.IncusRemotes;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.DestinationPolicy;
import dev.uplink.infra.LocalPipeline;
import dev.uplink.infra.testing.LocalAwsExtension;
import dev.uplink.infra.testing.TestFiles;
import dev.uplink.processor.incus.IncusClient;
import dev.uplink.processor.incus.IncusInstance;
import dev.uplink.processor.incus.IncusTestEnvironment;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Keys;
import org.opentest4j.TestAbortedException;

/**
 * The web page in a real headless Chromium against the local stack (the emulators, the poller and a
 * real incusd): files chosen with the picker and dropped on the page travel (big ones straight to
 * S3 in presigned parts, small ones through the API) until DONE and arrive byte-identical in the
 * instance; a destination the key's policy forbids is refused on the form with the API's reason; a
 * dropped connection pauses a big upload, which resumes with the parts S3 kept.
 *
 * <p>Skips without Chromium or incusd (fails instead under {@code CI=true}). Screenshots of each
 * screen land in {@code target/screenshots/}.
 */
@DisplayName("The web page: uploads")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebUploadTest {

  private static final String KEY = "key-web-alice";
  private static final String REMOTE = "lab";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Duration DONE_WITHIN = Duration.ofSeconds(60);

  @RegisterExtension
  static final LocalAwsExtension aws = LocalAwsExtension.create(Duration.ofSeconds(10), 3);

  private static IncusTestEnvironment incus;
  private static IncusClient incusApi;
  private static LocalPipeline pipeline;
  private static Chromium chromium;
  private static final List<String> createdRoots = new ArrayList<>();

  /** Why the test cannot run (only ever set outside CI), or null. */
  private static String unavailable;

  /** The instance of the same name in the second Incus project, or null (its test skips). */
  private static IncusInstance otherProject;

  private static String otherProjectMissing;

  private static String otherProjectGrant() {
    return otherProject.project() + "/" + otherProject.name() + ":/srv/";
  }

  @TempDir static Path files;

  @BeforeAll
  static void start() {
    try {
      incus = IncusTestEnvironment.require();
      chromium = Chromium.start();
    } catch (TestAbortedException e) {
      unavailable = e.getMessage();
      return;
    }
    incusApi = new IncusClient(incus.settings());
    try {
      otherProject = incus.requireOtherProject(incusApi);
    } catch (TestAbortedException e) {
      otherProjectMissing = e.getMessage();
    }
    var policy =
        DestinationPolicy.parse(
            incus.instance()
                + ":/srv/|web-*:/srv/uploads/|"
                + REMOTE
                + ":"
                + incus.instance()
                + ":/srv/"
                + (otherProject == null ? "" : "|" + otherProjectGrant()));
    UplinkConfig config =
        aws.config()
            .withIncus(Optional.of(incus.settings()))
            // The same incusd under a second name: what the page sends to "lab:..." must reach it.
            .withRemotes(IncusRemotes.of(Map.of(REMOTE, incus.settings())))
            .withCallers(Map.of(KEY, new Caller("alice", policy)));
    pipeline = LocalPipeline.start(config, aws.clients(), "127.0.0.1");
  }

  @BeforeEach
  void requireBrowserAndIncus() {
    Assumptions.assumeTrue(unavailable == null, () -> unavailable);
  }

  @AfterEach
  void noPolicyViolations() {
    if (chromium != null) {
      chromium.assertNoPolicyViolationsOrErrors();
    }
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (chromium != null) {
        chromium.close();
      }
    } finally {
      try {
        if (pipeline != null) {
          pipeline.close();
        }
      } finally {
        if (incusApi != null) {
          for (String root : createdRoots) {
            incus.deleteTree(incusApi, root);
            if (otherProject != null) {
              incus.deleteTree(incusApi, otherProject, root);
            }
          }
          incusApi.close();
        }
      }
    }
  }

  @Test
  @Order(1)
  @DisplayName("a 12 MiB file (picked) and a small one (dropped) reach 100 %, DONE, byte-identical")
  void uploadsReachDoneAndArriveIdentical() throws Exception {
    String root = freshRoot();
    Path big = TestFiles.random(files.resolve("big-12mib.bin"), 12 * 1024 * 1024);
    byte[] small = "Dropped on the page.\n".getBytes(StandardCharsets.UTF_8);

    signIn();
    chromium.screenshot("upload-empty");
    chromium.byId("instance").sendKeys(incus.instance());
    chromium.byId("path").sendKeys(root + "/");
    chromium.byId("files").sendKeys(big.toAbsolutePath().toString());
    drop("notes.txt", new String(small, StandardCharsets.UTF_8));
    assertThat(chromium.findAll("#chosen li")).hasSize(2);
    chromium.screenshot("upload-chosen");
    chromium.byId("start").click();

    // Watch the big file's row until DONE, keeping every percentage and status line shown.
    var shown = new LinkedHashSet<String>();
    Map<String, Object> row = awaitRow("big-12mib.bin", status("DONE"), shown);
    assertThat(shown).as("percentages shown").contains("100 %");
    assertThat(row.get("value")).as("the bar's value").isEqualTo("100");
    assertThat(row.get("dest")).asString().contains("straight to storage, in parts");
    assertThat(row.get("state"))
        .isEqualTo("Done: in %s at %s/big-12mib.bin.".formatted(incus.instance(), root));
    assertThat(row.get("badge")).isEqualTo("Done");
    Map<String, Object> dropped = awaitRow("notes.txt", status("DONE"), new LinkedHashSet<>());
    assertThat(dropped.get("dest")).asString().doesNotContain("in parts");
    chromium.screenshot("upload-done");

    assertThat(incusApi.readFile(incus.instance(), root + "/big-12mib.bin"))
        .as("the 12 MiB file in the instance")
        .isEqualTo(Files.readAllBytes(big));
    assertThat(incusApi.readFile(incus.instance(), root + "/notes.txt"))
        .as("the dropped file in the instance")
        .isEqualTo(small);

    // The history lists both, newest first, DONE.
    chromium.find("#nav a[data-view=history]").click();
    chromium.await(
        "two DONE rows in the history",
        driver -> chromium.findAll("#history-rows tr[data-status=DONE]").size() >= 2 ? true : null);
    assertThat(chromium.text("#history-rows")).contains(root + "/big-12mib.bin", "12.0 MiB");
    chromium.screenshot("history");

    // Filtered to FAILED: none.
    new org.openqa.selenium.support.ui.Select(chromium.byId("history-status"))
        .selectByValue("FAILED");
    chromium.find("#history-form button[type=submit]").click();
    chromium.await(
        "no FAILED uploads",
        driver -> chromium.text("#history-state").startsWith("No uploads matching") ? true : null);

    // On a phone-sized screen.
    chromium.find("#nav a[data-view=upload]").click();
    chromium.windowSize(390, 844);
    assertThat(chromium.overflowingElements()).as("nothing wider than a phone's screen").isEmpty();
    chromium.screenshot("upload-phone");
    chromium.find("#nav a[data-view=history]").click();
    new org.openqa.selenium.support.ui.Select(chromium.byId("history-status")).selectByValue("");
    chromium.find("#history-form button[type=submit]").click();
    chromium.await(
        "the history on a phone",
        driver -> chromium.findAll("#history-rows tr").size() >= 2 ? true : null);
    assertThat(chromium.overflowingElements()).as("nothing wider than a phone's screen").isEmpty();
    chromium.screenshot("history-phone");
    chromium.windowSize(1280, 1000);
  }

  @Test
  @Order(2)
  @DisplayName("a path the key's policy forbids is refused on the form with the policy's reason")
  void aForbiddenPathShowsThePolicyError() throws Exception {
    signIn();
    Path file = files.resolve("passwd");
    Files.writeString(file, "root:x:0:0\n");
    clear("instance").sendKeys("web-1");
    clear("path").sendKeys("/etc/passwd");
    chromium.byId("files").sendKeys(file.toAbsolutePath().toString());
    chromium.byId("start").click();

    String error =
        chromium.await(
            "the policy error",
            driver ->
                chromium.byId("path-error").isDisplayed() ? chromium.text("#path-error") : null);
    assertThat(error)
        .isEqualTo(
            ("Your API key may not send files to web-1:/etc/passwd. It may send to %s:/srv/,"
                    + " web-*:/srv/uploads/, %s:%s:/srv/%s.")
                .formatted(
                    incus.instance(),
                    REMOTE,
                    incus.instance(),
                    otherProject == null ? "" : ", " + otherProjectGrant()));
    assertThat(chromium.byId("path").getAttribute("aria-invalid")).isEqualTo("true");
    assertThat(chromium.driver().switchTo().activeElement().getAttribute("id"))
        .as("focus moves to the field at fault")
        .isEqualTo("path");
    assertThat(chromium.findAll("#queue li[data-task-id]")).as("nothing was sent").isEmpty();
    chromium.screenshot("upload-forbidden");

    // The keyboard goes on from there, and focus stays visible.
    chromium.byId("path").sendKeys(Keys.TAB);
    Map<String, Object> focused =
        chromium.snapshot(
            """
            const e = document.activeElement, style = getComputedStyle(e);
            return { tag: e.tagName, outline: style.outlineStyle, width: style.outlineWidth };
            """);
    assertThat(focused).containsEntry("tag", "SUMMARY").containsEntry("outline", "solid");
    assertThat(focused.get("width")).isEqualTo("3px");

    // The API agrees, and recorded nothing.
    HttpResponse<String> refused =
        HTTP.send(
            HttpRequest.newBuilder(
                    pipeline.baseUri().resolve("/v1/uploads?container=web-1&path=/etc/passwd"))
                .header("Authorization", "Bearer " + KEY)
                .POST(HttpRequest.BodyPublishers.ofString("root:x:0:0\n"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(JSON.readTree(refused.body()).path("detail").asText())
        .as("the page's message starts with the API's")
        .isEqualTo("Your API key may not send files to web-1:/etc/passwd");
    assertThat(api("/v1/uploads?container=web-1").path("items")).isEmpty();

    // Fixed, the error goes away as the person types; the policy allows it, but no instance
    // web-1 exists: the task FAILS, and the page says why in words.
    clear("path").sendKeys("/srv/uploads/");
    chromium.await(
        "the error cleared", driver -> chromium.byId("path-error").isDisplayed() ? null : true);
    chromium.byId("start").click();
    Map<String, Object> failed = awaitRow("passwd", status("FAILED"), new LinkedHashSet<>());
    assertThat(failed.get("badge")).isEqualTo("Failed");
    assertThat(failed.get("state"))
        .asString()
        .startsWith("Failed: The instance does not exist.")
        .contains("web-1");
    chromium.screenshot("upload-failed");
  }

  @Test
  @Order(3)
  @DisplayName("cancelling a big upload stops it and withdraws its task")
  void cancellingWithdrawsTheTask() throws Exception {
    String root = freshRoot();
    Path big = TestFiles.random(files.resolve("cancelled-12mib.bin"), 12 * 1024 * 1024);
    signIn();
    clear("instance").sendKeys(incus.instance());
    clear("path").sendKeys(root + "/");
    chromium.network(false, 2 * 1024 * 1024);
    try {
      chromium.byId("files").sendKeys(big.toAbsolutePath().toString());
      chromium.byId("start").click();
      String id =
          (String)
              awaitRow("cancelled-12mib.bin", sentAtLeast(5), new LinkedHashSet<>()).get("taskId");
      chromium.find("#queue li[data-task-id='" + id + "'] .cancel").click();
      Map<String, Object> cancelled =
          awaitRow("cancelled-12mib.bin", status("CANCELLED"), new LinkedHashSet<>());
      assertThat(cancelled.get("state")).isEqualTo("Cancelled.");
      assertThat(api("/v1/uploads/" + id).path("status").asText()).isEqualTo("CANCELLED");
    } finally {
      chromium.networkRestored();
    }
  }

  @Test
  @Order(4)
  @DisplayName("a dropped connection pauses a big upload; it resumes with the parts S3 kept")
  void aDroppedConnectionPausesAndResumes() throws Exception {
    String root = freshRoot();
    // Three parts of the API's 16 MiB (16, 16 and 4), sent at once.
    Path big = TestFiles.random(files.resolve("resumed-36mib.bin"), 36 * 1024 * 1024);
    signIn();
    clear("instance").sendKeys(incus.instance());
    clear("path").sendKeys(root + "/");
    chromium.network(false, 8 * 1024 * 1024);
    var lines = new LinkedHashSet<String>();
    try {
      chromium.byId("files").sendKeys(big.toAbsolutePath().toString());
      chromium.byId("start").click();
      awaitRow("resumed-36mib.bin", sentAtLeast(50), lines);
      chromium.screenshot("upload-progress");
      chromium.network(true, 8 * 1024 * 1024);
      Map<String, Object> paused =
          awaitRow("resumed-36mib.bin", now -> "paused".equals(now.get("stage")), lines);
      assertThat(paused.get("state")).asString().contains("The connection dropped");
      assertThat(paused.get("badge")).isEqualTo("Paused");
      chromium.screenshot("upload-paused");
    } finally {
      chromium.networkRestored();
    }
    Map<String, Object> done = awaitRow("resumed-36mib.bin", status("DONE"), lines);
    System.out.println("The resumed upload's row said: " + lines);
    assertThat(lines).anyMatch(line -> line.matches("Resuming: storage holds [0-3] of 3 parts.*"));
    assertThat(done.get("percent")).isEqualTo("100 %");
    assertThat(incusApi.readFile(incus.instance(), root + "/resumed-36mib.bin"))
        .isEqualTo(Files.readAllBytes(big));
  }

  @Test
  @Order(5)
  @DisplayName("after a reload mid-upload, the same file chosen again resumes the same upload")
  void aReloadedPageResumesTheSameUpload() throws Exception {
    String root = freshRoot();
    Path big = TestFiles.random(files.resolve("reloaded-36mib.bin"), 36 * 1024 * 1024);
    signIn();
    clear("instance").sendKeys(incus.instance());
    clear("path").sendKeys(root + "/");
    String id;
    chromium.network(false, 8 * 1024 * 1024);
    try {
      chromium.byId("files").sendKeys(big.toAbsolutePath().toString());
      chromium.byId("start").click();
      id =
          (String)
              awaitRow("reloaded-36mib.bin", sentAtLeast(50), new LinkedHashSet<>()).get("taskId");
      assertThat(
              chromium.script(
                  """
                  const leaving = new Event('beforeunload', { cancelable: true });
                  window.dispatchEvent(leaving);
                  return leaving.defaultPrevented;
                  """))
          .as("leaving the page while it sends asks first")
          .isEqualTo(true);
      chromium.driver().navigate().refresh();
    } finally {
      chromium.networkRestored();
    }
    chromium.await("the page again", driver -> chromium.byId("view-upload").isDisplayed());
    assertThat(chromium.byId("path").getAttribute("value"))
        .as("the last destination is offered again")
        .isEqualTo(root + "/");
    chromium.byId("files").sendKeys(big.toAbsolutePath().toString());
    chromium.byId("start").click();
    var lines = new LinkedHashSet<String>();
    Map<String, Object> done = awaitRow("reloaded-36mib.bin", status("DONE"), lines);
    assertThat(done.get("taskId")).as("the same task").isEqualTo(id);
    assertThat(lines).anyMatch(line -> line.matches("Resuming: storage holds [1-3] of 3 parts.*"));
    assertThat(incusApi.readFile(incus.instance(), root + "/reloaded-36mib.bin"))
        .isEqualTo(Files.readAllBytes(big));
  }

  @Test
  @Order(7)
  @DisplayName("a project: the page refuses one the key may not use, sends into the one it may")
  void aProjectChosenOnThePageIsWhereTheFileGoes() throws Exception {
    Assumptions.assumeTrue(otherProject != null, () -> otherProjectMissing);
    String root = freshRoot();
    signIn();
    clear("project").sendKeys("team-nope");
    clear("instance").sendKeys(incus.instance());
    clear("path").sendKeys(root + "/");
    drop("in-project.txt", "In the other project.\n");
    chromium.byId("start").click();

    String error =
        chromium.await(
            "the project error",
            driver ->
                chromium.byId("project-error").isDisplayed()
                    ? chromium.text("#project-error")
                    : null);
    assertThat(error)
        .startsWith(
            "Your API key may not send files to team-nope/%s:%s/in-project.txt."
                .formatted(incus.instance(), root));
    assertThat(chromium.findAll("#queue li[data-task-id]")).as("nothing was sent").isEmpty();

    clear("project").sendKeys(otherProject.project());
    chromium.await(
        "the error cleared", driver -> chromium.byId("project-error").isDisplayed() ? null : true);
    chromium.byId("start").click();
    Map<String, Object> done = awaitRow("in-project.txt", status("DONE"), new LinkedHashSet<>());
    assertThat(done.get("state"))
        .isEqualTo(
            "Done: in %s/%s at %s/in-project.txt."
                .formatted(otherProject.project(), incus.instance(), root));
    assertThat(incusApi.readFile(otherProject, root + "/in-project.txt"))
        .as("the file in the other project's instance")
        .isEqualTo("In the other project.\n".getBytes(StandardCharsets.UTF_8));
    assertThat(incusApi.stat(incus.instance(), root + "/in-project.txt"))
        .as("nothing in the default project's instance of the same name")
        .isEmpty();

    chromium.find("#nav a[data-view=history]").click();
    clear("history-project").sendKeys(otherProject.project());
    chromium.find("#history-form button[type=submit]").click();
    chromium.await(
        "the project's upload in the history",
        driver -> chromium.text("#history-rows").contains("in-project.txt") ? true : null);
    assertThat(chromium.text("#history-rows"))
        .contains(otherProject.project() + "/" + incus.instance());
    chromium.screenshot("history-project");
  }

  @Test
  @Order(8)
  @DisplayName("a remote: remote:instance in the instance field, refused off the key's grants")
  void aRemoteNamedOnThePageIsWhereTheFileGoes() throws Exception {
    String root = freshRoot();
    signIn();
    clear("project");
    clear("instance").sendKeys("edge:" + incus.instance());
    clear("path").sendKeys(root + "/");
    drop("on-remote.txt", "Through the lab remote.\n");
    chromium.byId("start").click();

    String error =
        chromium.await(
            "the instance error",
            driver ->
                chromium.byId("instance-error").isDisplayed()
                    ? chromium.text("#instance-error")
                    : null);
    assertThat(error)
        .startsWith(
            "Your API key may not send files to edge:%s:%s/on-remote.txt."
                .formatted(incus.instance(), root));
    assertThat(chromium.findAll("#queue li[data-task-id]")).as("nothing was sent").isEmpty();

    clear("instance").sendKeys(REMOTE + ":" + incus.instance());
    chromium.await(
        "the error cleared", driver -> chromium.byId("instance-error").isDisplayed() ? null : true);
    chromium.byId("start").click();
    Map<String, Object> done = awaitRow("on-remote.txt", status("DONE"), new LinkedHashSet<>());
    assertThat(done.get("state"))
        .isEqualTo("Done: in %s:%s at %s/on-remote.txt.".formatted(REMOTE, incus.instance(), root));
    assertThat(incusApi.readFile(incus.instance(), root + "/on-remote.txt"))
        .as("the file, through the lab remote (the same incusd)")
        .isEqualTo("Through the lab remote.\n".getBytes(StandardCharsets.UTF_8));
    JsonNode task = api("/v1/uploads/" + done.get("taskId"));
    assertThat(task.path("remote").asText()).as("the task's remote").isEqualTo(REMOTE);
    assertThat(task.path("container").asText()).isEqualTo(incus.instance());
  }

  @Test
  @Order(6)
  @DisplayName("the page's SHA-256 agrees with Java's on block boundaries")
  void thePagesSha256AgreesWithJava() throws Exception {
    signIn();
    int[] lengths = {0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 4_194_305};
    @SuppressWarnings("unchecked")
    List<String> digests =
        (List<String>)
            chromium.asyncScript(
                """
                const done = arguments[arguments.length - 1];
                import('/web/sha256.js').then(async ({ Sha256, sha256OfBlob }) => {
                  const out = [];
                  for (const length of arguments[0]) {
                    const bytes = new Uint8Array(length).map((_, i) => (i * 31 + 7) & 0xff);
                    const hash = new Sha256();
                    for (let i = 0; i < length; i += 37) hash.update(bytes.subarray(i, i + 37));
                    out.push(hash.hex());
                    out.push(await sha256OfBlob(new Blob([bytes])));
                  }
                  done(out);
                }, (error) => done(String(error)));
                """,
                Arrays.stream(lengths).boxed().toList());
    var expected = new ArrayList<String>();
    for (int length : lengths) {
      byte[] bytes = new byte[length];
      for (int i = 0; i < length; i++) {
        bytes[i] = (byte) ((i * 31 + 7) & 0xff);
      }
      expected.add(TestFiles.sha256(bytes));
      expected.add(TestFiles.sha256(bytes));
    }
    assertThat(digests).isEqualTo(expected);
  }

  // --- the page ---

  /** Opens the page signed in (signing in when the tab has no key yet). */
  private static void signIn() {
    chromium.open(pipeline.baseUri() + "/");
    chromium.await(
        "the page started",
        driver ->
            chromium.byId("view-signin").isDisplayed() || chromium.byId("view-upload").isDisplayed()
                ? true
                : null);
    if (chromium.byId("view-signin").isDisplayed()) {
      chromium.byId("api-key").sendKeys(KEY);
      chromium.find("#signin-form button[type=submit]").click();
      chromium.await(
          "signed in", driver -> chromium.byId("view-upload").isDisplayed() ? true : null);
    }
    assertThat(chromium.driver().getCurrentUrl())
        .as("the key never in the URL")
        .doesNotContain(KEY);
    assertThat(chromium.text("#who-name")).isEqualTo("alice");
  }

  private static org.openqa.selenium.WebElement clear(String id) {
    var input = chromium.byId(id);
    input.clear();
    return input;
  }

  /** Drops a file made of {@code text} on the drop zone, as a person dragging it there would. */
  private static void drop(String name, String text) {
    chromium.script(
        """
        const file = new File([arguments[1]], arguments[0], { type: 'text/plain' });
        const data = new DataTransfer();
        data.items.add(file);
        const zone = document.getElementById('drop');
        for (const type of ['dragenter', 'dragover', 'drop']) {
          zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }));
        }
        """,
        name,
        text);
  }

  /**
   * Waits (up to a minute) until the queue row of {@code file} satisfies {@code until}, and returns
   * it; every percentage and status line the row shows on the way is added to {@code shown}.
   */
  private static Map<String, Object> awaitRow(
      String file, Predicate<Map<String, Object>> until, Set<String> shown) {
    return chromium.await(
        () -> file + " never got there; its row showed " + shown,
        DONE_WITHIN,
        driver -> {
          Map<String, Object> now = row(file);
          if (now == null) {
            return null;
          }
          shown.add((String) now.get("percent"));
          shown.add((String) now.get("state"));
          return until.test(now) ? now : null;
        });
  }

  private static Predicate<Map<String, Object>> status(String status) {
    return row -> status.equals(row.get("status"));
  }

  /** The bar at {@code percent} % or more, with the task known. */
  private static Predicate<Map<String, Object>> sentAtLeast(double percent) {
    return row ->
        row.get("taskId") != null && Double.parseDouble((String) row.get("value")) >= percent;
  }

  /** The queue row of the file {@code name}: its status, stage, bar and texts; null if none. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> row(String name) {
    return (Map<String, Object>)
        chromium.script(
            """
            const row = [...document.querySelectorAll('#queue li')]
              .find((li) => li.querySelector('.item-name').textContent === arguments[0]);
            if (!row) return null;
            return {
              status: row.dataset.status, stage: row.dataset.stage,
              value: String(row.querySelector('progress').value),
              percent: row.querySelector('.percent').textContent,
              state: row.querySelector('.item-state').textContent,
              taskId: row.dataset.taskId ?? null,
              badge: row.querySelector('.badge').textContent,
              dest: row.querySelector('.item-dest').textContent,
            };
            """,
            name);
  }

  // --- the rest ---

  private static JsonNode api(String path) throws Exception {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(pipeline.baseUri().resolve(path))
                .header("Authorization", "Bearer " + KEY)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private static String freshRoot() {
    String root = "/srv/web-" + TestFiles.randomSuffix();
    createdRoots.add(root);
    return root;
  }
}
