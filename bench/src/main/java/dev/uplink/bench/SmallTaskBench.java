package dev.uplink.bench;

import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.processor.PushException;
import dev.uplink.processor.PushRequest;
import dev.uplink.processor.incus.IncusTls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * 3. Small tasks: many 64 KiB files from POST to DONE through the whole pipeline (API and poller in
 * processes of their own), against the same number of bare Incus pushes by the same HTTP client;
 * then open-loop runs at fixed arrival rates for latency, and the CPU incusd and the poller spend
 * per file.
 */
final class SmallTaskBench {

  static final int FILE_BYTES = 64 * 1024;
  static final int WARMUP = 200;
  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([0-9A-Z]+)\"");

  private final Stack stack;
  private final Plan plan;
  private final byte[] payload = new byte[FILE_BYTES];
  private final HttpClient apiHttp;
  private final HttpClient incusHttp;
  private final Arrivals arrivals;

  SmallTaskBench(Stack stack, Plan plan) {
    this.stack = stack;
    this.plan = plan;
    this.arrivals = new Arrivals(plan.smallConcurrency());
    new java.util.SplittableRandom(64).nextBytes(payload);
    this.apiHttp =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    this.incusHttp =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .sslContext(IncusTls.context(stack.incus()))
            .build();
  }

  Report run() {
    List<SmallTaskRun> bare = new ArrayList<>();
    List<SmallTaskRun> client = new ArrayList<>();
    List<SmallTaskRun> uplink = new ArrayList<>();
    List<SmallTaskRun> half = new ArrayList<>();
    List<SmallTaskRun> steady = new ArrayList<>();
    List<Double> background = new ArrayList<>();
    int n = plan.smallTasks();
    int pipelineWarmup = Math.max(WARMUP, n / 2);
    String workers = Integer.toString(plan.pollerWorkers());
    IncusTarget target = stack.target();
    try (Stack.Api api = stack.startApi(UploadBench.API_JVM, Map.of());
        Child poller =
            stack.startPoller(
                PushBench.POLLER_JVM,
                Map.of("UPLINK_WORKERS", workers, "UPLINK_WORKERS_PER_HOST", workers))) {
      barePushes("warm", WARMUP);
      incusClientPushes("warm", WARMUP);
      throughPipeline(api, poller, "warm", pipelineWarmup, 0);
      for (int rep = 1; rep <= plan.smallReps(); rep++) {
        String label = "r" + rep;
        background.add(incusdBackground());
        bare.add(target.measure("bare pushes", () -> barePushes(label, n), () -> {}));
        log("bare Incus POST", rep, bare.getLast());
        background.add(incusdBackground());
        client.add(
            target.measure("IncusClient pushes", () -> incusClientPushes(label, n), () -> {}));
        log("IncusClient.push", rep, client.getLast());
        background.add(incusdBackground());
        uplink.add(
            target.measure(
                "pipeline", () -> throughPipeline(api, poller, label, n, 0), stack::drainQueue));
        log("Uplink POST->DONE", rep, uplink.getLast());
        background.add(incusdBackground());
        double rate = uplink.getLast().perSecond() / 2;
        half.add(
            target.measure(
                "half-rate pipeline",
                () -> throughPipeline(api, poller, label + "-half", plan.halfRateTasks(), rate),
                stack::drainQueue));
        log("Uplink POST->DONE at half rate", rep, half.getLast());
        background.add(incusdBackground());
        steady.add(
            target.measure(
                "steady pipeline",
                () ->
                    throughPipeline(
                        api, poller, label + "-steady", plan.steadyTasks(), plan.steadyPerSecond()),
                stack::drainQueue));
        log("Uplink POST->DONE at " + plan.steadyPerSecond() + "/s", rep, steady.getLast());
      }
    }
    return new SmallTaskReport(
            plan,
            new SmallTaskReport.Runs(bare, client, uplink, half, steady, background),
            pipelineWarmup,
            workers,
            arrivals.maxLagMs())
        .build();
  }

  /** incusd's CPU (ms per second) over 2 s in which the harness sends it nothing. */
  private static double incusdBackground() {
    CpuMeter cpu = new CpuMeter().incusd().start();
    Sleep.millis(2000);
    CpuMeter.Usage usage = cpu.stop();
    return usage.cpuSeconds().get(CpuMeter.INCUSD) * 1000 / usage.wallSeconds();
  }

  private static void log(String what, int rep, SmallTaskRun run) {
    Bench.log(
        "small rep %d: %s %.0f/s, p50 %.0f ms, p99 %.0f ms; incusd %.2f ms/file, poller %.2f"
            + " ms/file",
        rep,
        what,
        run.perSecond(),
        run.p(50),
        run.p(99),
        run.cpuMs(CpuMeter.INCUSD),
        run.cpuMs("poller"));
  }

  private SmallTaskRun barePushes(String label, int n) {
    String dir = Stack.ROOT + "/bare-" + Stack.unique(label);
    stack.target().mkdirs(dir);
    Double[] latencies = new Double[n];
    CpuMeter cpu = new CpuMeter().incusd().start();
    long start = System.nanoTime();
    arrivals.concurrently(
        n,
        i -> {
          String path = dir + "/" + i + ".bin";
          var request =
              HttpRequest.newBuilder(
                      URI.create(
                          stack.incus().url()
                              + "/1.0/instances/"
                              + stack.instance()
                              + "/files?path="
                              + path))
                  .timeout(Duration.ofSeconds(60))
                  .header("Content-Type", "application/octet-stream")
                  .header("X-Incus-type", "file")
                  .header("X-Incus-mode", "0644")
                  .POST(BodyPublishers.ofByteArray(payload))
                  .build();
          long t0 = System.nanoTime();
          HttpResponse<byte[]> response = send(incusHttp, request);
          latencies[i] = (System.nanoTime() - t0) / 1e6;
          if (response.statusCode() != 200) {
            throw new IllegalStateException(
                "Incus answered " + response.statusCode() + ": " + new String(response.body()));
          }
        });
    double seconds = (System.nanoTime() - start) / 1e9;
    CpuMeter.Usage usage = cpu.stop();
    stack.target().deleteTree(dir);
    return new SmallTaskRun(n / seconds, List.of(latencies), usage, n);
  }

  private SmallTaskRun incusClientPushes(String label, int n) {
    String dir = Stack.ROOT + "/client-" + Stack.unique(label);
    stack.target().mkdirs(dir);
    Double[] latencies = new Double[n];
    CpuMeter cpu = new CpuMeter().incusd().start();
    long start = System.nanoTime();
    arrivals.concurrently(
        n,
        i -> {
          var destination = new Destination(stack.instance(), dir + "/" + i + ".bin", 0644, 0, 0);
          long t0 = System.nanoTime();
          try {
            stack
                .target()
                .client()
                .push(
                    PushRequest.of(destination, new ByteArrayInputStream(payload), payload.length));
          } catch (PushException e) {
            throw new IllegalStateException(e);
          }
          latencies[i] = (System.nanoTime() - t0) / 1e6;
        });
    double seconds = (System.nanoTime() - start) / 1e9;
    CpuMeter.Usage usage = cpu.stop();
    stack.target().deleteTree(dir);
    return new SmallTaskRun(n / seconds, List.of(latencies), usage, n);
  }

  /**
   * {@code n} uploads through the API until every task is DONE: closed loop ({@code perSecond} 0:
   * {@link Plan#smallConcurrency()} clients, each sending its next upload as soon as the last is
   * accepted) or open loop (one upload due every {@code 1 / perSecond} s, sent on a thread of its
   * own, its latency counted from when it was due).
   */
  private SmallTaskRun throughPipeline(
      Stack.Api api, Child poller, String label, int n, double perSecond) {
    String dir = Stack.ROOT + "/small-" + Stack.unique(label);
    stack.target().mkdirs(dir);
    CpuMeter cpu =
        new CpuMeter()
            .process("API", api.process().pid())
            .process("poller", poller.pid())
            .process("emulators", stack.emulators().pid())
            .process("harness", ProcessHandle.current().pid())
            .incusd()
            .start();
    Instant[] started = new Instant[n];
    TaskId[] ids = new TaskId[n];
    if (perSecond <= 0) {
      arrivals.concurrently(
          n,
          i -> {
            started[i] = Instant.now();
            ids[i] = upload(api, dir, i);
          });
    } else {
      arrivals.openLoop(n, perSecond, started, i -> ids[i] = upload(api, dir, i));
    }
    Instant first = Collections.min(List.of(started));
    Bench.log(
        "small %s: the API accepted %d uploads in %.2f s",
        label, n, Duration.between(first, Instant.now()).toNanos() / 1e9);
    List<UploadTask> done;
    try {
      done = stack.awaitDone(List.of(ids), Duration.ofMinutes(5));
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          e.getMessage() + "\n" + poller.tail(20) + "\n" + api.process().tail(20), e);
    }
    CpuMeter.Usage usage = cpu.stop();
    Bench.log("small %s: CPU %s", label, usage.describe(n));
    List<Double> latencies = new ArrayList<>(n);
    Instant last = first;
    for (int i = 0; i < n; i++) {
      Instant finished = done.get(i).updatedAt();
      latencies.add(Duration.between(started[i], finished).toNanos() / 1e6);
      if (finished.isAfter(last)) {
        last = finished;
      }
    }
    stack.target().deleteTree(dir);
    return new SmallTaskRun(
        n / (Duration.between(first, last).toNanos() / 1e9), latencies, usage, n);
  }

  /** One upload of the payload to {@code dir/i.bin}; returns the task's id. */
  private TaskId upload(Stack.Api api, String dir, int i) {
    var request =
        HttpRequest.newBuilder(
                URI.create(
                    api.base()
                        + "/v1/uploads?container="
                        + stack.instance()
                        + "&path="
                        + dir
                        + "/"
                        + i
                        + ".bin"))
            .timeout(Duration.ofSeconds(60))
            .header("Authorization", "Bearer " + Stack.API_KEY)
            .header("Content-Type", "application/octet-stream")
            .POST(BodyPublishers.ofByteArray(payload))
            .build();
    HttpResponse<byte[]> response = send(apiHttp, request);
    String body = new String(response.body());
    Matcher id = ID.matcher(body);
    if (response.statusCode() != 202 || !id.find()) {
      throw new IllegalStateException("The API answered " + response.statusCode() + ": " + body);
    }
    return new TaskId(id.group(1));
  }

  private static HttpResponse<byte[]> send(HttpClient http, HttpRequest request) {
    try {
      return http.send(request, BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new IllegalStateException(request.uri() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
