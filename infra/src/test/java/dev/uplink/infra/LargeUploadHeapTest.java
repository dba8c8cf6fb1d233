package dev.uplink.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.infra.testing.ChildJvm;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance: a 1 GiB upload through the API succeeds with the server's heap capped at 256 MiB.
 *
 * <p>The whole local stack ({@link UplinkLocal}: S3Proxy, ElasticMQ, DynamoDB Local, the API and
 * the poller writing to the directory target) runs in a child JVM with {@code -Xmx256m} and {@code
 * -XX:+ExitOnOutOfMemoryError}, so running out of heap anywhere is a dead child and a failed test,
 * never a silently swallowed error. The body is generated on the fly from a seeded generator and
 * hashed as it is sent: the test itself never holds more than 64 KiB of it either.
 *
 * <p>Figures (upload MB/s, processing time, the child's peak RSS and GC heap occupancy) are printed
 * to standard output. Needs about 2 GiB of disk under the temporary directory (the object in
 * S3Proxy's filesystem store and the file in the directory target); all of it is deleted
 * afterwards.
 */
class LargeUploadHeapTest {

  private static final long SIZE = 1L << 30;
  private static final int CHUNK = 64 * 1024;
  private static final long SEED = 0x5EED_1A46_E0B1L;
  private static final String HEAP = "256m";
  private static final int PART_SIZE_MB = 8;
  private static final String API_KEY = "heap-test-key";
  private static final String CONTAINER = "heaptest";
  private static final String FILE_PATH = "/srv/big/one-gib.bin";
  private static final String READY_LINE = "Uplink is running locally.";
  private static final Duration STARTUP_DEADLINE = Duration.ofSeconds(90);
  private static final Duration DONE_DEADLINE = Duration.ofMinutes(3);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern GC_PAUSE =
      Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)"); // e.g. "Pause Young ... 45M->12M(256M)"

  @TempDir Path tempDir;

  private Path dataDir;
  private Path childLog;
  private Path gcLog;
  private ChildJvm child;

  @BeforeEach
  void createDirectories() throws IOException {
    dataDir = Files.createDirectories(tempDir.resolve("data"));
    childLog = tempDir.resolve("child.log");
    gcLog = tempDir.resolve("gc.log");
  }

  @AfterEach
  void stopChildAndDeleteData() throws Exception {
    try {
      if (child != null && child.isAlive()) {
        long stopBegan = System.nanoTime();
        // SIGTERM: the shutdown hook stops the pipeline and the emulators
        boolean graceful = child.terminate(Duration.ofSeconds(30)).isPresent();
        if (!graceful) {
          child.kill();
        }
        System.out.printf(
            "  child stopped (%s) in %d ms, exit code %s%n",
            graceful ? "SIGTERM" : "SIGKILL after 30 s",
            millisSince(stopBegan),
            child.isAlive() ? "(still alive!)" : Integer.toString(child.process().exitValue()));
      }
    } finally {
      // The two 1 GiB copies (S3 object, directory target); @TempDir would delete them too.
      deleteRecursively(dataDir);
    }
  }

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void givenHeapCappedAt256MiB_whenOneGibIsUploaded_thenItArrivesIntactAndTheServerSurvives()
      throws Exception {
    int port = freePort();
    long startupBegan = System.nanoTime();
    child = startChild(port);
    awaitReady();
    long startupMillis = millisSince(startupBegan);

    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    URI base = URI.create("http://127.0.0.1:" + port);

    // 1. Upload: 1 GiB, generated and hashed while it is sent, with a known Content-Length.
    var body = new GeneratedBody(SEED, SIZE);
    HttpRequest upload =
        HttpRequest.newBuilder(
                base.resolve("/v1/uploads?container=" + CONTAINER + "&path=" + FILE_PATH))
            .header("Authorization", "Bearer " + API_KEY)
            .header("Content-Type", "application/octet-stream")
            .timeout(Duration.ofMinutes(3))
            .POST(
                HttpRequest.BodyPublishers.fromPublisher(
                    HttpRequest.BodyPublishers.ofInputStream(() -> body), SIZE))
            .build();
    long uploadBegan = System.nanoTime();
    HttpResponse<String> accepted = send(http, upload);
    long uploadMillis = millisSince(uploadBegan);
    assertThat(accepted.statusCode()).as("POST answer: %s", accepted.body()).isEqualTo(202);
    assertThat(body.sent()).as("bytes the client sent").isEqualTo(SIZE);
    String sha256 = body.sha256();
    String id = JSON.readTree(accepted.body()).path("id").asText();
    assertThat(id).isNotBlank();

    // 2. Wait for the poller to push it into the directory target.
    long processingBegan = System.nanoTime();
    JsonNode task = awaitFinished(http, base.resolve("/v1/uploads/" + id));
    long processingMillis = millisSince(processingBegan);
    assertThat(task.path("status").asText()).as("task %s", task).isEqualTo("DONE");
    assertThat(task.path("size").asLong()).isEqualTo(SIZE);
    assertThat(task.path("sha256").asText()).isEqualToIgnoringCase(sha256);

    // Evidence before the child goes away: it is alive, its peak RSS, its heap as seen by GC.
    assertThat(child.isAlive()).as("the capped server is still running").isTrue();
    String vmHwm = procStatus(child.pid(), "VmHWM");
    String vmRss = procStatus(child.pid(), "VmRSS");
    String heapInfo = jcmd(child.pid(), "GC.heap_info");

    // 3. The file in the directory target: same size, same SHA-256 (hashed as a stream).
    Path file = dataDir.resolve("instances").resolve(CONTAINER).resolve(FILE_PATH.substring(1));
    assertThat(file).isRegularFile();
    assertThat(Files.size(file)).isEqualTo(SIZE);
    long verifyBegan = System.nanoTime();
    assertThat(sha256Of(file)).isEqualToIgnoringCase(sha256);
    long verifyMillis = millisSince(verifyBegan);
    Files.delete(file);

    double mib = SIZE / (1024.0 * 1024.0);
    System.out.printf(
        Locale.ROOT,
        """

        === LargeUploadHeapTest: 1 GiB through the whole local stack, child -Xmx%s, part size %d MiB ===
          child startup (emulators + provisioning + API): %d ms
          upload (POST until 202, S3 multipart):           %d ms = %.1f MiB/s
          processing (202 until DONE, S3 -> directory):    %d ms = %.1f MiB/s
          upload + processing:                             %d ms
          verifying the target file (test side SHA-256):   %d ms
          child peak RSS %s, RSS now %s
          child GC (from -Xlog:gc): %s
          child GC.heap_info after DONE:
        %s
        """,
        HEAP,
        PART_SIZE_MB,
        startupMillis,
        uploadMillis,
        mib / (uploadMillis / 1000.0),
        processingMillis,
        mib / (processingMillis / 1000.0),
        uploadMillis + processingMillis,
        verifyMillis,
        vmHwm,
        vmRss,
        gcSummary(),
        heapInfo.indent(4).stripTrailing());
  }

  // ---------------------------------------------------------------------------------------------
  // The child JVM

  /** The local stack under test; {@link ChildJvm} drops inherited {@code UPLINK_*} variables. */
  private ChildJvm startChild(int port) throws IOException {
    Path childTmp = Files.createDirectories(tempDir.resolve("tmp"));
    return ChildJvm.builder(UplinkLocal.class.getName(), childLog)
        .name("the local stack")
        .jvmArgs(
            "-Xmx" + HEAP,
            "-XX:+ExitOnOutOfMemoryError",
            "--enable-native-access=ALL-UNNAMED",
            "-Xlog:gc:file=" + gcLog,
            // sqlite4java's natives and anything else spooled go under the test's directory
            "-Djava.io.tmpdir=" + childTmp)
        .env("UPLINK_PORT", Integer.toString(port))
        .env("UPLINK_DATA_DIR", dataDir.toString())
        .env("UPLINK_API_KEYS", API_KEY + "=heap-test@*:/")
        .env("UPLINK_PART_SIZE_MB", Integer.toString(PART_SIZE_MB))
        .start();
  }

  /** Fails (with the output's tail) if the child exits first or is not ready in time. */
  private void awaitReady() {
    child.awaitOutput(Pattern.compile(Pattern.quote(READY_LINE)), STARTUP_DEADLINE);
  }

  private HttpResponse<String> send(HttpClient http, HttpRequest request) throws Exception {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AssertionError(
          "%s %s failed (child %s)%n%s"
              .formatted(request.method(), request.uri(), child.state(), child.tail(60)),
          e);
    }
  }

  private JsonNode awaitFinished(HttpClient http, URI statusUrl) throws Exception {
    HttpRequest get =
        HttpRequest.newBuilder(statusUrl)
            .header("Authorization", "Bearer " + API_KEY)
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build();
    long deadline = System.nanoTime() + DONE_DEADLINE.toNanos();
    JsonNode task = null;
    while (System.nanoTime() < deadline) {
      if (!child.isAlive()) {
        fail("The local stack died (%s) while processing%n%s", child.state(), child.tail(60));
      }
      HttpResponse<String> response = send(http, get);
      assertThat(response.statusCode()).as("GET answer: %s", response.body()).isEqualTo(200);
      task = JSON.readTree(response.body());
      String status = task.path("status").asText();
      if (status.equals("DONE") || status.equals("FAILED")) {
        return task;
      }
      Thread.sleep(250);
    }
    return fail("Not DONE within %s; last seen %s%n%s", DONE_DEADLINE, task, child.tail(60));
  }

  /** A line of /proc/PID/status such as {@code VmHWM}, e.g. {@code "312 MiB"}. */
  private static String procStatus(long pid, String field) {
    Path status = Path.of("/proc", Long.toString(pid), "status");
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith(field + ":")) {
          long kib = Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
          return "%d MiB".formatted(kib / 1024);
        }
      }
      return "(no " + field + " in " + status + ")";
    } catch (IOException | RuntimeException e) {
      return "(unavailable: " + e + ")";
    }
  }

  /** Best effort: {@code jcmd PID COMMAND} from this JDK, or why not. */
  private static String jcmd(long pid, String command) {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    if (!Files.isExecutable(jcmd)) {
      return "(no jcmd in " + jcmd.getParent() + ")";
    }
    try {
      Process process =
          new ProcessBuilder(jcmd.toString(), Long.toString(pid), command)
              .redirectErrorStream(true)
              .start();
      byte[] out = process.getInputStream().readAllBytes();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return "(jcmd timed out)";
      }
      return new String(out, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "(jcmd failed: " + e + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(interrupted)";
    }
  }

  /** Collections, the highest occupancy before and after a collection, and the committed max. */
  private String gcSummary() {
    try {
      List<String> lines = Files.exists(gcLog) ? Files.readAllLines(gcLog) : List.of();
      String collector =
          lines.stream()
              .filter(line -> line.contains("Using "))
              .map(line -> line.substring(line.indexOf("Using ") + 6).strip())
              .findFirst()
              .orElse("?");
      int collections = 0;
      long maxBefore = 0;
      long maxAfter = 0;
      long maxCommitted = 0;
      for (String line : lines) {
        Matcher m = GC_PAUSE.matcher(line);
        if (m.find()) {
          collections++;
          maxBefore = Math.max(maxBefore, Long.parseLong(m.group(1)));
          maxAfter = Math.max(maxAfter, Long.parseLong(m.group(2)));
          maxCommitted = Math.max(maxCommitted, Long.parseLong(m.group(3)));
        }
      }
      return "%s, %d collections, heap used at most %d MiB before and %d MiB after a collection, at most %d MiB committed"
          .formatted(collector, collections, maxBefore, maxAfter, maxCommitted);
    } catch (IOException | RuntimeException e) {
      return "(cannot read " + gcLog + ": " + e + ")";
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private static int freePort() throws IOException {
    try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static long millisSince(long nanoTime) {
    return Math.max(1, (System.nanoTime() - nanoTime) / 1_000_000);
  }

  private static String sha256Of(Path file) throws IOException {
    MessageDigest digest = newSha256();
    byte[] buffer = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(file)) {
      int read;
      while ((read = in.read(buffer)) >= 0) {
        digest.update(buffer, 0, read);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(dir)) {
      paths = new ArrayList<>(walk.sorted(Comparator.reverseOrder()).toList());
    }
    for (Path path : paths) {
      try {
        Files.deleteIfExists(path);
      } catch (IOException | UncheckedIOException e) {
        // @TempDir retries whatever is left
      }
    }
  }

  /**
   * {@code size} pseudo-random bytes from a seeded {@link SplittableRandom}, produced 64 KiB at a
   * time and hashed (SHA-256) as they are read: never more than one chunk in memory.
   */
  static final class GeneratedBody extends InputStream {

    private final SplittableRandom random;
    private final long size;
    private final byte[] chunk = new byte[CHUNK];
    private final MessageDigest digest = newSha256();
    private long produced;
    private int position = CHUNK;
    private int limit = CHUNK;
    private long sent;

    GeneratedBody(long seed, long size) {
      this.random = new SplittableRandom(seed);
      this.size = size;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] target, int offset, int length) {
      if (length == 0) {
        return 0;
      }
      if (position == limit) {
        if (produced == size) {
          return -1;
        }
        limit = (int) Math.min(CHUNK, size - produced);
        random.nextBytes(chunk);
        digest.update(chunk, 0, limit);
        produced += limit;
        position = 0;
      }
      int n = Math.min(length, limit - position);
      System.arraycopy(chunk, position, target, offset, n);
      position += n;
      sent += n;
      return n;
    }

    /** Bytes handed out so far. */
    long sent() {
      return sent;
    }

    /** The SHA-256 of everything generated; call once, after the whole body was read. */
    String sha256() {
      if (sent != size) {
        throw new IllegalStateException("Only " + sent + " of " + size + " bytes were read");
      }
      return HexFormat.of().formatHex(digest.digest());
    }
  }
}
