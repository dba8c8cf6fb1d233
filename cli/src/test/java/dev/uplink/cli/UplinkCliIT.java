package dev.uplink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.core.aws.AwsClients;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.infra.AwsProvisioner;
import dev.uplink.infra.LocalAws;
import dev.uplink.infra.LocalPipeline;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar, run as a process, against the whole local stack (emulated S3, SQS and DynamoDB,
 * the API and the processor) started in this JVM with the directory target: no Incus needed.
 */
@DisplayName("uplink.jar against the local stack")
class UplinkCliIT {

  private static final String KEY = "key-cli-it";
  private static final long MIB = 1024 * 1024;

  private static Path dataDir;
  private static LocalAws aws;
  private static AwsClients clients;
  private static LocalPipeline pipeline;

  /** What a user's shell would hold after reading the {@code ./uplink local} banner. */
  private static Map<String, String> environment;

  @TempDir Path files;

  @BeforeAll
  static void startStack() throws IOException {
    assertThat(Runtime.version().feature())
        .as("the JDK running the jar")
        .isGreaterThanOrEqualTo(21);
    dataDir = Files.createTempDirectory("uplink-cli-it-");
    aws = LocalAws.start(dataDir.resolve("aws"), false);
    UplinkConfig config =
        UplinkConfig.fromEnvironment(
            Map.of(
                "UPLINK_PORT", "0",
                "UPLINK_DATA_DIR", dataDir.toString(),
                "UPLINK_PART_SIZE_MB", "5",
                "UPLINK_WORKERS", "4",
                "UPLINK_API_KEYS", KEY + "=cli@*:/"));
    clients = aws.clients(config.aws());
    config = config.withAws(clients.settings());
    new AwsProvisioner(clients).provision(config);
    pipeline = LocalPipeline.start(config, clients, "127.0.0.1");
    environment =
        Map.of(
            CliSettings.API_URL_VARIABLE,
            pipeline.baseUri() + "/v1/uploads",
            CliSettings.API_KEY_VARIABLE,
            KEY);
  }

  @AfterAll
  static void stopStack() throws IOException {
    try {
      if (pipeline != null) {
        pipeline.close();
      }
      if (clients != null) {
        clients.close();
      }
      if (aws != null) {
        aws.close();
      }
    } finally {
      if (dataDir != null) {
        try (Stream<Path> paths = Files.walk(dataDir)) {
          for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(path);
          }
        }
      }
    }
  }

  private static UplinkJar.Run uplink(String... args) {
    return UplinkJar.run(environment, args);
  }

  private static Path delivered(String container, String path) {
    return dataDir.resolve("instances").resolve(container).resolve(path.substring(1));
  }

  private Path randomFile(String name, long size) throws IOException {
    Path file = files.resolve(name);
    var random = new Random(size);
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long left = size; left > 0; left -= chunk.length) {
        random.nextBytes(chunk);
        out.write(chunk, 0, (int) Math.min(chunk.length, left));
      }
    }
    return file;
  }

  private static String unique(String name) {
    return "/srv/cli-it/" + Long.toHexString(System.nanoTime()) + "/" + name;
  }

  /** Uploads {@code file} with {@code --wait} and returns the task id; the run must succeed. */
  private static String uploadAndWait(Path file, String path, String... more) {
    var args = new ArrayList<>(List.of("upload", file.toString()));
    args.addAll(List.of("--container", "demo", "--path", path, "--wait"));
    args.addAll(List.of(more));
    UplinkJar.Run run = uplink(args.toArray(String[]::new));
    assertThat(run.exitCode()).as("exit code of upload --wait; %s", run).isZero();
    assertThat(run.stdout()).as("stdout; %s", run).contains("  DONE  ");
    return run.stdout().split(" ", 2)[0];
  }

  @Nested
  @DisplayName("upload")
  class Upload {

    @Test
    @DisplayName("streamed with --wait exits 0 once DONE, the file byte-identical in the instance")
    void streamedWithWait() throws IOException {
      Path file = randomFile("streamed.bin", 3 * MIB + 17);
      String path = unique("streamed.bin");

      UplinkJar.Run run =
          uplink(
              "upload",
              file.toString(),
              "--container",
              "demo",
              "--path",
              path,
              "--mode",
              "0640",
              "--wait");

      assertThat(run.exitCode()).as("exit code; %s", run).isZero();
      assertThat(run.stdout())
          .as("the summary line")
          .matches("[0-9A-Z]{26}  DONE  3\\.0 MiB  demo:" + path + "\\R");
      assertThat(run.stderr()).as("stderr: not a terminal, so no progress bar").isEmpty();
      Path landed = delivered("demo", path);
      assertThat(landed).as("the delivered file").hasSameBinaryContentAs(file);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(landed)))
          .as("its mode")
          .isEqualTo("rw-r-----");
    }

    @Test
    @DisplayName(
        "presigned in parts above the threshold is DONE, byte-identical; --json is the task")
    void presignedInParts() throws IOException {
      // The API cuts presigned uploads into 16 MiB parts: 18 MiB makes two.
      Path file = randomFile("parts.bin", 18 * MIB + 5);
      String path = unique("parts.bin");

      UplinkJar.Run run =
          uplink(
              "upload",
              file.toString(),
              "--container",
              "demo",
              "--path",
              path,
              "--presigned",
              "--multipart-threshold",
              "1MiB",
              "--wait",
              "--json");

      assertThat(run.exitCode()).as("exit code; %s", run).isZero();
      JsonNode task = Json.parse(run.stdout()).orElseThrow(() -> new AssertionError(run));
      assertThat(task.path("status").asText()).as("status").isEqualTo("DONE");
      assertThat(task.path("upload").path("kind").asText())
          .as("upload kind")
          .isEqualTo("multipart");
      assertThat(task.path("size").asLong()).as("size").isEqualTo(Files.size(file));
      assertThat(delivered("demo", path)).as("the delivered file").hasSameBinaryContentAs(file);
    }

    @Test
    @DisplayName("presigned below the threshold is one PUT, DONE, byte-identical; --progress draws")
    void presignedSinglePut() throws IOException {
      Path file = randomFile("put.bin", 2 * MIB);
      String path = unique("put.bin");

      UplinkJar.Run run =
          uplink(
              "upload",
              file.toString(),
              "--container",
              "demo",
              "--path",
              path,
              "--presigned",
              "--wait",
              "--json",
              "--progress");

      assertThat(run.exitCode()).as("exit code; %s", run).isZero();
      JsonNode task = Json.parse(run.stdout()).orElseThrow(() -> new AssertionError(run));
      assertThat(task.path("upload").path("kind").asText()).as("upload kind").isEqualTo("put");
      assertThat(delivered("demo", path)).as("the delivered file").hasSameBinaryContentAs(file);
      assertThat(run.stderr())
          .as("progress bars on stderr")
          .contains("\rsha256 [", "\rupload [", "100%")
          .doesNotContain("uplink:");
    }
  }

  @Test
  @DisplayName("status shows status, destination, size, bytes pushed and attempts")
  void status() throws IOException {
    String path = unique("status.bin");
    String id = uploadAndWait(randomFile("status.bin", MIB), path, "--uid", "1000");

    UplinkJar.Run run = uplink("status", id);

    assertThat(run.exitCode()).as("exit code; %s", run).isZero();
    assertThat(run.stdout().lines())
        .as("status; %s", run)
        .contains(
            "id:          " + id,
            "status:      DONE",
            "destination: demo:" + path + " (mode 0644, uid 1000, gid 0)",
            "size:        1.0 MiB (1048576 bytes)",
            "pushed:      1.0 MiB (100%)",
            "attempts:    1",
            "last error:  -");
  }

  @Test
  @DisplayName("list --status DONE shows the finished tasks, as a table or as JSON")
  void listDone() throws IOException {
    String first = uploadAndWait(randomFile("one.bin", 1000), unique("one.bin"));
    String second = uploadAndWait(randomFile("two.bin", 2000), unique("two.bin"));

    UplinkJar.Run table = uplink("list", "--status", "DONE", "--limit", "100");
    UplinkJar.Run json = uplink("list", "--status", "done", "--limit", "100", "--json");

    assertThat(table.exitCode()).as("exit code; %s", table).isZero();
    assertThat(table.stdout()).as("table").startsWith("ID ").contains(first, second);
    assertThat(table.stdout().lines().skip(1)).as("rows").allMatch(row -> row.contains(" DONE "));
    JsonNode listed = Json.parse(json.stdout()).orElseThrow(() -> new AssertionError(json));
    assertThat(listed.path("items").findValuesAsText("id")).contains(second, first);
    assertThat(listed.path("items").findValuesAsText("status")).containsOnly("DONE");
  }

  @Nested
  @DisplayName("cancel")
  class Cancel {

    @Test
    @DisplayName("of a finished task fails with exit 1 and one line saying why")
    void finishedTask() throws IOException {
      String id = uploadAndWait(randomFile("done.bin", 100), unique("done.bin"));

      UplinkJar.Run run = uplink("cancel", id);

      assertThat(run.exitCode()).as("exit code; %s", run).isEqualTo(1);
      assertThat(run.stdout()).isEmpty();
      assertThat(run.stderrLines())
          .containsExactly(
              "uplink: Wrong task status: The task is DONE and cannot be cancelled (HTTP 409)");
    }

    @Test
    @DisplayName("of a task awaiting its upload cancels it; --json prints the task")
    void awaitingTask() throws Exception {
      String created =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(pipeline.baseUri() + "/v1/uploads/presign"))
                      .header("Authorization", "Bearer " + KEY)
                      .header("Content-Type", "application/json")
                      .POST(
                          HttpRequest.BodyPublishers.ofString(
                              "{\"container\":\"demo\",\"path\":\""
                                  + unique("never.bin")
                                  + "\",\"size\":1,\"sha256\":\""
                                  + "0".repeat(64)
                                  + "\"}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      String id = Json.parse(created).orElseThrow().path("id").asText();

      UplinkJar.Run run = uplink("cancel", id, "--json");

      assertThat(run.exitCode()).as("exit code; %s", run).isZero();
      JsonNode task = Json.parse(run.stdout()).orElseThrow(() -> new AssertionError(run));
      assertThat(task.path("id").asText()).isEqualTo(id);
      assertThat(task.path("status").asText()).isEqualTo("CANCELLED");
    }
  }

  @Nested
  @DisplayName("is used wrongly: exit 2 and one line on stderr")
  class UsageErrors {

    private void assertUsageError(UplinkJar.Run run, String expected) {
      assertThat(run.exitCode()).as("exit code; %s", run).isEqualTo(2);
      assertThat(run.stdout()).as("stdout").isEmpty();
      assertThat(run.stderrLines()).as("stderr").singleElement().asString().contains(expected);
    }

    @Test
    @DisplayName("upload without --path")
    void missingPath() {
      assertUsageError(
          uplink("upload", "x.bin", "--container", "demo"), "Missing required option: '--path");
    }

    @Test
    @DisplayName("an unknown command")
    void unknownCommand() {
      assertUsageError(uplink("download", "x"), "unknown command 'download'");
    }

    @Test
    @DisplayName("dlq redrive with neither --all nor ids")
    void redriveWithoutTarget() {
      assertUsageError(uplink("dlq", "redrive"), "say what to redrive: --all, or the ids");
    }

    @Test
    @DisplayName("dlq purge without --yes")
    void purgeWithoutYes() {
      assertUsageError(uplink("dlq", "purge"), "add --yes to confirm");
    }

    @Test
    @DisplayName("retry of a malformed task id")
    void retryMalformedId() {
      assertUsageError(uplink("retry", "01-not-an-id"), "'01-not-an-id' is not a task id");
    }

    @Test
    @DisplayName("a relative path")
    void relativePath() throws IOException {
      Path file = randomFile("rel.bin", 10);
      assertUsageError(
          uplink("upload", file.toString(), "--container", "demo", "--path", "srv/rel.bin"),
          "--path must be absolute");
    }
  }

  @Nested
  @DisplayName("with a wrong key")
  class WrongKey {

    @Test
    @DisplayName("fails with exit 1 and the API's problem title and detail on one line")
    void wrongKey() throws IOException {
      // Past 1 MiB: the CLI asks first (Expect: 100-continue), so the 401 comes before the body.
      Path file = randomFile("key.bin", 4 * MIB);
      var wrong = new HashMap<>(environment);
      wrong.put(CliSettings.API_KEY_VARIABLE, "not-the-key");

      UplinkJar.Run upload =
          UplinkJar.run(
              wrong, "upload", file.toString(), "--container", "demo", "--path", "/a/key.bin");

      assertThat(upload.exitCode()).as("exit code; %s", upload).isEqualTo(1);
      assertThat(upload.stdout()).isEmpty();
      assertThat(upload.stderrLines())
          .containsExactly("uplink: Unauthorized: The API key is not valid (HTTP 401)");
      assertThat(delivered("demo", "/a/key.bin")).doesNotExist();
    }

    @Test
    @DisplayName("and none at all, says how to send one")
    void noKey() {
      UplinkJar.Run run =
          UplinkJar.run(
              Map.of(CliSettings.API_URL_VARIABLE, pipeline.baseUri().toString()), "list");
      assertThat(run.exitCode()).as("exit code; %s", run).isEqualTo(1);
      assertThat(run.stderrLines()).singleElement().asString().startsWith("uplink: Unauthorized: ");
    }
  }

  @Test
  @DisplayName("an operator command without AWS credentials fails with one line saying what to set")
  void operatorWithoutCredentials(@TempDir Path home) {
    UplinkJar.Run run =
        UplinkJar.run(
            Map.of(
                "AWS_EC2_METADATA_DISABLED", "true",
                "AWS_SHARED_CREDENTIALS_FILE", home.resolve("credentials").toString(),
                "AWS_CONFIG_FILE", home.resolve("config").toString()),
            "dlq",
            "list");

    assertThat(run.exitCode()).as("exit code; %s", run).isEqualTo(1);
    assertThat(run.stdout()).isEmpty();
    assertThat(run.stderrLines())
        .singleElement()
        .asString()
        .startsWith("uplink: no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID");
  }

  @Test
  @DisplayName("--api wins over UPLINK_API_URL, and a stopped API is one line, exit 1")
  void unreachableApi() {
    UplinkJar.Run run = uplink("list", "--api", "http://127.0.0.1:1");
    assertThat(run.exitCode()).as("exit code; %s", run).isEqualTo(1);
    assertThat(run.stderrLines())
        .singleElement()
        .asString()
        .startsWith("uplink: cannot connect to the API at http://127.0.0.1:1 ");
  }
}
