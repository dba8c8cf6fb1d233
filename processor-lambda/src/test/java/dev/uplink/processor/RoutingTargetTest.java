package dev.uplink.processor;

import static dev.uplink.core.testing.TaskBuilder.aTask;
import static dev.uplink.processor.PushWorkerBuilder.aPushWorker;
import static dev.uplink.processor.PushWorkerBuilder.productionSettings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.TaskError;
import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.core.testing.InMemoryTaskStore;
import dev.uplink.core.testing.SettableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("RoutingTarget: each remote's tasks go to that remote's target")
class RoutingTargetTest {

  private final SettableClock clock = new SettableClock(Instant.parse("2026-12-07T10:00:00Z"));
  private final InMemoryTaskStore tasks = new InMemoryTaskStore();
  private final InMemoryObjectStore objects = new InMemoryObjectStore();
  private final RecordingFileTarget home = new RecordingFileTarget();
  private final RecordingFileTarget lab = new RecordingFileTarget();
  private final RoutingTarget routing = new RoutingTarget(remotes(home, lab));
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final PushWorker worker =
      aPushWorker()
          .tasks(tasks)
          .objects(objects)
          .target(routing)
          .clock(clock)
          .settings(productionSettings())
          .metrics(new MeterPushMetrics(registry))
          .build();

  private static Map<String, FileTarget> remotes(FileTarget home, FileTarget lab) {
    var byRemote = new LinkedHashMap<String, FileTarget>();
    byRemote.put(Destination.DEFAULT_REMOTE, home);
    byRemote.put("lab", lab);
    return byRemote;
  }

  @AfterEach
  void close() {
    worker.close();
  }

  private UploadTask pending(String remote, String path) {
    byte[] content = ("content of " + path).getBytes(StandardCharsets.UTF_8);
    UploadTask task =
        aTask()
            .to(Destination.of("app", path).on(remote, null))
            .size(content.length)
            .sha256(Tasks.sha256(content))
            .createdAt(clock.instant())
            .build();
    objects.put(task.objectKey(), content);
    tasks.create(task);
    return task;
  }

  private Outcome process(UploadTask task, int receive) {
    return worker.process(
        new Delivery("m-" + task.id(), "{\"task_id\":\"" + task.id() + "\"}", receive));
  }

  private UploadTask stored(UploadTask task) {
    return tasks.find(task.id()).orElseThrow();
  }

  @Test
  @DisplayName("a task naming a remote goes to that remote's target, one without to the default's")
  void routesByRemote() {
    UploadTask toLab = pending("lab", "/srv/lab.txt");
    UploadTask toHome = pending("", "/srv/home.txt");

    assertThat(process(toLab, 1)).isEqualTo(Outcome.DONE);
    assertThat(process(toHome, 1)).isEqualTo(Outcome.DONE);

    assertThat(lab.pushes())
        .extracting(p -> p.destination().path())
        .containsExactly("/srv/lab.txt");
    assertThat(home.pushes())
        .extracting(p -> p.destination().path())
        .containsExactly("/srv/home.txt");
    assertThat(registry.get(PushMetrics.REMOTE_TASKS).tag("remote", "lab").counter().count())
        .as("the per-remote count, labelled lab")
        .isEqualTo(1);
    assertThat(registry.get(PushMetrics.REMOTE_TASKS).tag("remote", "default").counter().count())
        .as("the default remote's, labelled default")
        .isEqualTo(1);
  }

  @Test
  @DisplayName("a task naming a remote the processor does not know fails at once: UNKNOWN_REMOTE")
  void unknownRemoteFailsPermanently() {
    UploadTask task = pending("edge", "/srv/edge.txt");

    Outcome outcome = process(task, 1);

    assertThat(outcome).isEqualTo(Outcome.FAILED);
    assertThat(stored(task).status()).isEqualTo(TaskStatus.FAILED);
    assertThat(stored(task).lastError().map(TaskError::code))
        .contains(PushException.UNKNOWN_REMOTE);
    assertThat(stored(task).lastError().map(TaskError::message).orElseThrow())
        .contains("'edge'", "it knows the default remote, lab");
    assertThat(home.started() + lab.started()).as("pushes started").isZero();
    assertThat(
            registry
                .get(PushMetrics.REMOTE_TASKS)
                .tags("remote", "edge", "outcome", "failed")
                .counter()
                .count())
        .isEqualTo(1);
  }

  @Test
  @DisplayName("each remote is a host of its own, even on the same server: caps and circuits apart")
  void hostsPerRemote() {
    Destination onHome = Destination.of("app", "/srv/x");

    assertThat(routing.host(onHome)).isEqualTo("incus.test:8443");
    assertThat(routing.host(onHome.on("lab", null))).isEqualTo("incus.test:8443 of remote lab");
    assertThat(routing.host(onHome.on("edge", null))).isEqualTo("unknown remote edge");
  }

  @Test
  @DisplayName("one remote down: its task is held for its circuit, the other remote's task is DONE")
  void oneRemoteDown() {
    lab.unreachable(true);
    UploadTask toLab = pending("lab", "/srv/lab.txt");
    UploadTask toHome = pending("", "/srv/home.txt");

    Outcome labOutcome = process(toLab, 1);
    Outcome homeOutcome = process(toHome, 1);

    assertThat(labOutcome.kind()).isEqualTo(Outcome.Kind.PARKED);
    assertThat(worker.circuits().isOpen("incus.test:8443 of remote lab")).isTrue();
    assertThat(worker.circuits().isOpen("incus.test:8443")).as("the default remote's").isFalse();
    assertThat(homeOutcome).isEqualTo(Outcome.DONE);
    assertThat(stored(toLab).status()).isEqualTo(TaskStatus.PENDING);
    assertThat(home.probes()).as("the default remote is never probed for lab's outage").isZero();
  }

  @Test
  @DisplayName("a probe of one remote's host asks that remote only")
  void probesOneRemote() throws Exception {
    lab.unreachable(true);

    assertThatThrownBy(() -> routing.checkReady("incus.test:8443 of remote lab"))
        .isInstanceOf(TargetUnavailableException.class);
    routing.checkReady("incus.test:8443");

    assertThat(lab.probes()).isEqualTo(1);
    assertThat(home.probes()).isEqualTo(1);
    assertThatThrownBy(routing::checkReady)
        .as("the whole target is ready when every remote is")
        .isInstanceOf(TargetUnavailableException.class);
  }

  @Test
  @DisplayName(
      "the per-host cap is per remote: with a cap of one, two remotes on the same server push at"
          + " once, two tasks on one remote one after the other")
  void capsPerRemote() throws Exception {
    var server = new RecordingFileTarget().delay(java.time.Duration.ofMillis(200));
    var sameServer = new RoutingTarget(remotes(server, server));
    PushWorker capped =
        aPushWorker()
            .tasks(tasks)
            .objects(objects)
            .target(sameServer)
            .clock(clock)
            .settings(productionSettings().withPerHostWorkers(1))
            .build();
    try {
      runTogether(capped, pending("", "/srv/a.txt"), pending("lab", "/srv/b.txt"));
      assertThat(server.maxConcurrentPushes()).as("one push per remote, together").isEqualTo(2);

      var oneRemote = new RecordingFileTarget().delay(java.time.Duration.ofMillis(200));
      PushWorker cappedOnOne =
          aPushWorker()
              .tasks(tasks)
              .objects(objects)
              .target(new RoutingTarget(remotes(home, oneRemote)))
              .clock(clock)
              .settings(productionSettings().withPerHostWorkers(1))
              .build();
      try {
        runTogether(cappedOnOne, pending("lab", "/srv/c.txt"), pending("lab", "/srv/d.txt"));
      } finally {
        cappedOnOne.close();
      }
      assertThat(oneRemote.pushes()).hasSize(2);
      assertThat(oneRemote.maxConcurrentPushes()).as("one remote, one at a time").isEqualTo(1);
    } finally {
      capped.close();
    }
  }

  private void runTogether(PushWorker worker, UploadTask... tasks) throws InterruptedException {
    var threads = new java.util.ArrayList<Thread>();
    for (UploadTask task : tasks) {
      threads.add(
          Thread.ofVirtual()
              .start(
                  () ->
                      worker.process(
                          new Delivery(
                              "m-" + task.id(), "{\"task_id\":\"" + task.id() + "\"}", 1))));
    }
    for (Thread thread : threads) {
      thread.join();
    }
  }

  @Test
  @DisplayName("the default remote's target is required")
  void defaultRequired() {
    assertThatThrownBy(() -> new RoutingTarget(Map.of("lab", lab)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
