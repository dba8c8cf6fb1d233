package dev.uplink.infra.pipeline;

import static dev.uplink.infra.testing.UplinkHttp.acceptedId;
import static dev.uplink.infra.testing.UplinkHttp.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.core.aws.DynamoDbTaskStore;
import dev.uplink.core.config.IncusRemotes;
import dev.uplink.core.config.IncusSettings;
import dev.uplink.core.config.ProcessingSettings;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.health.ReadinessCheck;
import dev.uplink.infra.LocalPipeline;
import dev.uplink.infra.testing.LocalAwsExtension;
import dev.uplink.infra.testing.TestFiles;
import dev.uplink.infra.testing.UplinkHttp;
import dev.uplink.processor.ProcessorWiring;
import dev.uplink.processor.incus.IncusClient;
import dev.uplink.processor.incus.IncusTestEnvironment;
import dev.uplink.processor.incus.TcpForwarder;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Incus remotes on the one real incusd: the default remote is its HTTPS listener with the usual
 * client certificate; the remote {@code lab} is the same listener behind a {@link TcpForwarder} (a
 * second address the test closes and opens), with a second client certificate of its own that
 * incusd is told to trust for the test (and forgets after). The API, the emulators and the poller
 * run in this JVM. Skips without incusd, fails instead under {@code CI=true}.
 */
@DisplayName("Two Incus remotes on one incusd")
class TwoIncusRemotesTest {

  private static final String KEY = "remotes-key";
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  @RegisterExtension
  static final LocalAwsExtension aws = LocalAwsExtension.create(Duration.ofSeconds(30), 5);

  @TempDir static Path certificates;
  private static String labFingerprint;

  private IncusTestEnvironment incus;
  private IncusClient incusApi;
  private int labPort;
  private TcpForwarder labPath;
  private UplinkConfig config;
  private LocalPipeline pipeline;
  private UplinkHttp http;
  private String root;

  /** The lab remote's own client certificate, trusted by incusd until the tests end. */
  @BeforeAll
  static void trustTheLabCertificate() throws Exception {
    IncusTestEnvironment.require();
    IncusTestEnvironment.selfSignedCertificate(certificates, "lab");
    labFingerprint = fingerprint(certificates.resolve("lab.crt"));
    incusCli(
        "config",
        "trust",
        "add-certificate",
        certificates.resolve("lab.crt").toString(),
        "--name",
        "uplink-remotes-test");
  }

  @AfterAll
  static void forgetTheLabCertificate() throws Exception {
    if (labFingerprint != null) {
      incusCli("config", "trust", "remove", labFingerprint);
    }
  }

  @BeforeEach
  void startPipelineWithTwoRemotes() throws Exception {
    incus = IncusTestEnvironment.require();
    incusApi = new IncusClient(incus.settings());
    root = "/srv/remotes-" + TestFiles.randomSuffix();
    labPort = TcpForwarder.freePort();
    var lab =
        new IncusSettings(
            URI.create("https://127.0.0.1:" + labPort),
            certificates.resolve("lab.crt"),
            certificates.resolve("lab.key"),
            incus.serverCert());
    config =
        aws.config()
            .withIncus(Optional.of(incus.settings()))
            .withRemotes(IncusRemotes.of(Map.of("lab", lab)))
            .withApiKeys(Map.of(KEY, "ops"))
            .withProcessing(
                new ProcessingSettings(
                    8,
                    Duration.ofSeconds(2),
                    Duration.ofSeconds(5),
                    Duration.ofMinutes(15),
                    Duration.ofMinutes(1),
                    Duration.ofDays(1),
                    false,
                    false));
    pipeline = LocalPipeline.start(config, aws.clients(), "127.0.0.1");
    http = new UplinkHttp(pipeline.baseUri());
  }

  @AfterEach
  void stop() throws Exception {
    if (http != null) {
      http.close();
    }
    if (pipeline != null) {
      pipeline.close();
    }
    if (labPath != null) {
      labPath.close();
    }
    if (incusApi != null) {
      incus.deleteTree(incusApi, root);
      incusApi.close();
    }
  }

  private void openLabPath() throws IOException {
    labPath =
        TcpForwarder.start(labPort, new InetSocketAddress("127.0.0.1", incus.url().getPort()));
  }

  private String upload(String container, String name) {
    return acceptedId(
        http.uploadBytes(
            KEY,
            query("container", container, "path", root + "/" + name),
            ("content of " + name).getBytes(StandardCharsets.UTF_8)));
  }

  private String landed(String name) throws Exception {
    return new String(
        incusApi.readFile(incus.instance(), root + "/" + name), StandardCharsets.UTF_8);
  }

  private UploadTask stored(String id) {
    return new DynamoDbTaskStore(aws.clients().dynamoDb(), aws.settings().table())
        .find(new TaskId(id))
        .orElseThrow();
  }

  @Test
  @DisplayName(
      "one remote down: its tasks wait and retry, the other remote's are DONE; once it is back,"
          + " its tasks are DONE too")
  void oneRemoteDownWhileTheOtherWorks() throws Exception {
    var toLab = new ArrayList<String>();
    var toDefault = new ArrayList<String>();
    for (int i = 0; i < 2; i++) {
      toLab.add(upload("lab:" + incus.instance(), "lab-" + i + ".txt"));
      toDefault.add(upload(incus.instance(), "default-" + i + ".txt"));
    }

    for (int i = 0; i < toDefault.size(); i++) {
      JsonNode task = http.awaitFinished(KEY, toDefault.get(i), DEADLINE);
      assertThat(task.path("status").asText()).as("default remote task %s", task).isEqualTo("DONE");
      assertThat(landed("default-" + i + ".txt")).isEqualTo("content of default-" + i + ".txt");
    }
    awaitTriedAndUnreachable(toLab);
    assertThat(toLab)
        .as("the lab tasks, while only lab is down")
        .allSatisfy(id -> assertThat(stored(id).status()).isNotEqualTo(TaskStatus.FAILED));
    assertThat(readiness())
        .as("readiness while lab is down: one check per remote, named after it")
        .containsEntry("incus:" + incus.url(), true)
        .containsEntry("incus remote lab:https://127.0.0.1:" + labPort, false);

    openLabPath();

    for (int i = 0; i < toLab.size(); i++) {
      JsonNode task = http.awaitFinished(KEY, toLab.get(i), DEADLINE);
      assertThat(task.path("status").asText()).as("lab task %s", task).isEqualTo("DONE");
      assertThat(task.path("remote").asText()).isEqualTo("lab");
      assertThat(task.path("container").asText()).isEqualTo(incus.instance());
      assertThat(landed("lab-" + i + ".txt")).isEqualTo("content of lab-" + i + ".txt");
    }
    assertThat(readiness()).as("readiness with both up").doesNotContainValue(false);
  }

  @Test
  @DisplayName("each remote's tasks go through its own connection: lab's only through lab's path")
  void routing() throws Exception {
    openLabPath();
    String lab = upload("lab:" + incus.instance(), "routed-lab.txt");
    assertThat(http.awaitFinished(KEY, lab, DEADLINE).path("status").asText()).isEqualTo("DONE");

    labPath.close(); // lab's path is cut: the default remote's tasks must not notice
    labPath = null;
    String home = upload(incus.instance(), "routed-default.txt");
    String labAgain = upload("lab:" + incus.instance(), "routed-lab-2.txt");

    assertThat(http.awaitFinished(KEY, home, DEADLINE).path("status").asText()).isEqualTo("DONE");
    awaitTriedAndUnreachable(List.of(labAgain));
    assertThat(stored(labAgain).status()).isNotEqualTo(TaskStatus.DONE);
    assertThat(landed("routed-lab.txt")).isEqualTo("content of routed-lab.txt");
  }

  @Test
  @DisplayName("a remote the deployment does not know is 400 at the API, field remote")
  void unknownRemoteAtTheApi() {
    var response =
        http.uploadBytes(
            KEY,
            query("container", "edge:" + incus.instance(), "path", root + "/x.txt"),
            new byte[] {1});

    JsonNode problem = UplinkHttp.problem(response, 400, "invalid-destination");
    assertThat(problem.path("field").asText()).isEqualTo("remote");
  }

  /** Each task tried its remote at least once and found it unreachable. */
  private void awaitTriedAndUnreachable(List<String> ids) throws InterruptedException {
    long end = System.nanoTime() + DEADLINE.toNanos();
    while (System.nanoTime() < end) {
      boolean all =
          ids.stream()
              .map(this::stored)
              .allMatch(
                  task ->
                      task.timeline().stream()
                          .anyMatch(t -> t.reason().startsWith("INCUS_UNAVAILABLE")));
      if (all) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the tasks never met their remote unreachable: " + ids);
  }

  /** The processor's readiness checks by name: whether each passed. */
  private Map<String, Boolean> readiness() {
    var results = new LinkedHashMap<String, Boolean>();
    for (ReadinessCheck check :
        ProcessorWiring.readinessChecks(config, aws.clients(), pipeline.target())) {
      if (check.name().startsWith("incus")) {
        try {
          check.check().run();
          results.put(check.name(), true);
        } catch (Exception e) {
          results.put(check.name(), false);
        }
      }
    }
    return results;
  }

  private static String fingerprint(Path certificate) throws Exception {
    try (InputStream in = Files.newInputStream(certificate)) {
      byte[] der = CertificateFactory.getInstance("X.509").generateCertificate(in).getEncoded();
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
    }
  }

  private static void incusCli(String... args) throws Exception {
    var command = new ArrayList<String>();
    command.add("incus");
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.waitFor() != 0) {
      throw new AssertionError(String.join(" ", command) + " failed: " + output);
    }
  }
}
