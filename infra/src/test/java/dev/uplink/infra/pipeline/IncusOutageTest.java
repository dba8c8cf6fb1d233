package dev.uplink.infra.pipeline;

import static dev.uplink.infra.testing.UplinkHttp.acceptedId;
import static dev.uplink.infra.testing.UplinkHttp.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.core.aws.DynamoDbTaskStore;
import dev.uplink.core.config.IncusSettings;
import dev.uplink.core.config.ProcessingSettings;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.infra.LocalPipeline;
import dev.uplink.infra.testing.LocalAwsExtension;
import dev.uplink.infra.testing.TestFiles;
import dev.uplink.infra.testing.UplinkHttp;
import dev.uplink.processor.incus.IncusClient;
import dev.uplink.processor.incus.IncusTestEnvironment;
import dev.uplink.processor.incus.TcpForwarder;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Incus unreachable (a closed port in front of the real incusd: connections refused) for longer
 * than the queue's receives last at the usual backoff: the tasks must wait for it, not fail, and be
 * delivered once it answers again. The API, the emulators and the poller run in this JVM; incusd
 * itself is never stopped. Skips without incusd, fails instead under {@code CI=true}.
 */
@DisplayName("A short Incus outage")
class IncusOutageTest {

  private static final int MAX_RECEIVES = 5;
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

  /** Longer than MAX_RECEIVES backoffs of MAX_BACKOFF: enough to fail every task before. */
  private static final Duration OUTAGE = Duration.ofSeconds(20);

  private static final Duration RECOVERY = Duration.ofSeconds(60);
  private static final String KEY = "outage-key";

  @RegisterExtension
  static final LocalAwsExtension aws =
      LocalAwsExtension.create(Duration.ofSeconds(30), MAX_RECEIVES);

  private static final Logger log = LoggerFactory.getLogger(IncusOutageTest.class);

  private IncusTestEnvironment incus;
  private IncusClient incusApi;
  private int port;
  private TcpForwarder forwarder;
  private LocalPipeline pipeline;
  private UplinkHttp http;
  private String root;

  @BeforeEach
  void startPipelineWithIncusUnreachable() throws Exception {
    incus = IncusTestEnvironment.require();
    incusApi = new IncusClient(incus.settings());
    root = "/srv/outage-" + TestFiles.randomSuffix();
    port = TcpForwarder.freePort(); // nothing listens there until the outage ends
    var throughForwarder =
        new IncusSettings(
            URI.create("https://127.0.0.1:" + port),
            incus.clientCert(),
            incus.clientKey(),
            incus.serverCert());
    UplinkConfig config =
        aws.config()
            .withIncus(Optional.of(throughForwarder))
            .withApiKeys(Map.of(KEY, "ops"))
            .withProcessing(
                new ProcessingSettings(
                    8,
                    MAX_BACKOFF,
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
    if (forwarder != null) {
      forwarder.close();
    }
    if (incusApi != null) {
      incus.deleteTree(incusApi, root);
      incusApi.close();
    }
  }

  private Map<String, UploadTask> stored(List<String> ids) {
    var store = new DynamoDbTaskStore(aws.clients().dynamoDb(), aws.settings().table());
    var tasks = new LinkedHashMap<String, UploadTask>();
    ids.forEach(id -> tasks.put(id, store.find(new TaskId(id)).orElseThrow()));
    return tasks;
  }

  @Test
  void
      givenIncusUnreachableLongerThanTheReceivesLastAtTheUsualBackoff_thenNoTaskFailsAndAllAreDeliveredOnceItIsBack()
          throws Exception {
    var ids = new ArrayList<String>();
    for (int i = 0; i < 3; i++) {
      ids.add(
          acceptedId(
              http.uploadBytes(
                  KEY,
                  query("container", incus.instance(), "path", root + "/f" + i + ".txt"),
                  ("file " + i).getBytes(StandardCharsets.UTF_8))));
    }

    long end = System.nanoTime() + OUTAGE.toNanos();
    var seen = new TreeMap<String, String>();
    while (System.nanoTime() < end) {
      for (var task : stored(ids).values()) {
        seen.merge(task.status().name(), task.id().value(), (a, b) -> a);
        assertThat(task.status())
            .as("task %s during the outage (timeline %s)", task.id(), task.timeline())
            .isNotEqualTo(TaskStatus.FAILED);
      }
      Thread.sleep(250);
    }
    Map<String, UploadTask> afterOutage = stored(ids);
    log.info(
        "After {} of outage: attempts {}, statuses seen {}",
        OUTAGE,
        afterOutage.values().stream().map(UploadTask::attempts).toList(),
        seen.keySet());
    assertThat(afterOutage.values())
        .as("every task tried Incus at least once during the outage")
        .allSatisfy(
            task ->
                assertThat(task.timeline())
                    .anySatisfy(t -> assertThat(t.reason()).startsWith("INCUS_UNAVAILABLE")));

    forwarder = TcpForwarder.start(port, new InetSocketAddress("127.0.0.1", incus.url().getPort()));
    long back = System.nanoTime();
    for (int i = 0; i < ids.size(); i++) {
      JsonNode task = http.awaitFinished(KEY, ids.get(i), RECOVERY);
      assertThat(task.path("status").asText()).as("task %s", task).isEqualTo("DONE");
      assertThat(
              new String(
                  incusApi.readFile(incus.instance(), root + "/f" + i + ".txt"),
                  StandardCharsets.UTF_8))
          .isEqualTo("file " + i);
    }
    log.info(
        "All {} tasks DONE {} after Incus answered again",
        ids.size(),
        Duration.ofNanos(System.nanoTime() - back));
  }
}
