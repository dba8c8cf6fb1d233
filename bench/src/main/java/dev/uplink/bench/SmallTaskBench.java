package dev.uplink.bench;

import dev.uplink.core.domain.Destination;
import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.processor.PushException;
import dev.uplink.processor.PushRequest;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * 3. Small tasks: many 64 KiB files from POST to DONE through the whole pipeline (API and poller in
 * processes of their own), against the same number of bare Incus pushes by the same HTTP client.
 */
final class SmallTaskBench {

  static final int FILE_BYTES = 64 * 1024;
  private static final int WARMUP = 200;
  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([0-9A-Z]+)\"");

  private final Stack stack;
  private final Plan plan;
  private final byte[] payload = new byte[FILE_BYTES];
  private final HttpClient apiHttp;
  private final HttpClient incusHttp;
  private String lastPipelineCpu = "";

  SmallTaskBench(Stack stack, Plan plan) {
    this.stack = stack;
    this.plan = plan;
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
            .sslContext(IncusTlsContext.of(stack.incus()))
            .build();
  }

  /** Tasks (or pushes) per second and each one's latency in milliseconds. */
  record Run(double perSecond, List<Double> latencies) {
    double p(double percentile) {
      return Stats.percentile(latencies, percentile);
    }
  }

  Report run() {
    List<Run> bare = new ArrayList<>();
    List<Run> client = new ArrayList<>();
    List<Run> uplink = new ArrayList<>();
    int n = plan.smallTasks();
    int c = plan.smallConcurrency();
    String workers = Integer.toString(plan.pollerWorkers());
    try (Stack.Api api = stack.startApi(UploadBench.API_JVM, Map.of());
        Child poller =
            stack.startPoller(
                PushBench.POLLER_JVM,
                Map.of("UPLINK_WORKERS", workers, "UPLINK_WORKERS_PER_HOST", workers))) {
      barePushes("warm", WARMUP);
      incusClientPushes("warm", WARMUP);
      throughPipeline(api, poller, "warm", WARMUP);
      for (int rep = 1; rep <= plan.smallReps(); rep++) {
        String label = "r" + rep;
        bare.add(stack.measure("bare pushes", () -> barePushes(label, n), () -> {}));
        log("bare Incus POST", rep, bare.getLast());
        client.add(
            stack.measure("IncusClient pushes", () -> incusClientPushes(label, n), () -> {}));
        log("IncusClient.push", rep, client.getLast());
        uplink.add(
            stack.measure(
                "pipeline", () -> throughPipeline(api, poller, label, n), stack::drainQueue));
        log("Uplink POST->DONE", rep, uplink.getLast());
      }
    }
    double tps = median(uplink, Run::perSecond);
    double limit = median(bare, Run::perSecond);
    double p50 = median(uplink, r -> r.p(50));
    double p99 = median(uplink, r -> r.p(99));
    var report = new Report("3. Small tasks");
    report.row(
        n + " files of 64 KiB at concurrency " + c + ", tasks/s",
        Stats.f0(tps),
        Stats.f0(limit) + " (bare Incus POSTs)",
        Stats.f2(tps / limit),
        ">= 200 tasks/s",
        Report.met(tps >= 200));
    report.row(
        "latency POST -> DONE, p50 / p99, ms",
        Stats.f0(p50) + " / " + Stats.f0(p99),
        Stats.f0(median(bare, r -> r.p(50))) + " / " + Stats.f0(median(bare, r -> r.p(99))),
        "-",
        "p99 < 250 ms",
        Report.met(p99 < 250));
    report.row(
        "(for scale) the processor's Incus protocol alone: IncusClient.push, pushes/s",
        Stats.f0(median(client, Run::perSecond)),
        Stats.f0(limit),
        Stats.f2(median(client, Run::perSecond) / limit),
        "-",
        "-");
    report.note(
        ("Small tasks: %d files of 64 KiB (random bytes) POSTed to `/v1/uploads` by %d concurrent"
                + " clients (java.net.http, HTTP/1.1, kept-alive) into a new directory of the"
                + " instance; the API (`%s`) and one poller (`PollerMain`, `%s`, UPLINK_WORKERS ="
                + " UPLINK_WORKERS_PER_HOST = %s) are processes of their own, the emulators a third."
                + " Latency = the task's DONE updatedAt - the instant its POST began; tasks/s = files"
                + " / (last DONE - first POST). Limit: the same number of bare `POST"
                + " /1.0/instances/NAME/files` of the same bytes, same concurrency, by the same HTTP"
                + " client with the same certificates (java.net.http, HTTP/1.1); latency = one"
                + " POST. Also shown: `IncusClient.push` alone (what the processor does per file:"
                + " HEAD, parent probe, POST, HEAD to verify). Each variant warmed by %d files;"
                + " interleaved bare, IncusClient, Uplink, ...; %d repetitions, medians. Uplink"
                + " tasks/s %s, p99 %s ms; bare POSTs/s %s; IncusClient pushes/s %s.")
            .formatted(
                n,
                c,
                String.join(" ", UploadBench.API_JVM),
                String.join(" ", PushBench.POLLER_JVM),
                workers,
                WARMUP,
                plan.smallReps(),
                Stats.list(uplink.stream().map(Run::perSecond).toList(), 0),
                Stats.list(uplink.stream().map(r -> r.p(99)).toList(), 0),
                Stats.list(bare.stream().map(Run::perSecond).toList(), 0),
                Stats.list(client.stream().map(Run::perSecond).toList(), 0)));
    report.note(
        "Small tasks, where the CPU went (last repetition, POST of the first file to the last task"
            + " read back DONE, per process): "
            + lastPipelineCpu
            + ".");
    return report;
  }

  private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> f) {
    return Stats.median(runs.stream().map(r -> f.applyAsDouble(r)).toList());
  }

  private static void log(String what, int rep, Run run) {
    Bench.log(
        "small rep %d: %s %.0f/s, p50 %.0f ms, p99 %.0f ms",
        rep, what, run.perSecond(), run.p(50), run.p(99));
  }

  private Run barePushes(String label, int n) {
    String dir = Stack.ROOT + "/bare-" + Stack.unique(label);
    stack.mkdirs(dir);
    Double[] latencies = new Double[n];
    long start = System.nanoTime();
    concurrently(
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
    stack.deleteTree(dir);
    return new Run(n / seconds, List.of(latencies));
  }

  private Run incusClientPushes(String label, int n) {
    String dir = Stack.ROOT + "/client-" + Stack.unique(label);
    stack.mkdirs(dir);
    Double[] latencies = new Double[n];
    long start = System.nanoTime();
    concurrently(
        n,
        i -> {
          var destination = new Destination(stack.instance(), dir + "/" + i + ".bin", 0644, 0, 0);
          long t0 = System.nanoTime();
          try {
            stack
                .incusClient()
                .push(
                    PushRequest.of(destination, new ByteArrayInputStream(payload), payload.length));
          } catch (PushException e) {
            throw new IllegalStateException(e);
          }
          latencies[i] = (System.nanoTime() - t0) / 1e6;
        });
    double seconds = (System.nanoTime() - start) / 1e9;
    stack.deleteTree(dir);
    return new Run(n / seconds, List.of(latencies));
  }

  private Run throughPipeline(Stack.Api api, Child poller, String label, int n) {
    String dir = Stack.ROOT + "/small-" + Stack.unique(label);
    stack.mkdirs(dir);
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
    concurrently(
        n,
        i -> {
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
          started[i] = Instant.now();
          HttpResponse<byte[]> response = send(apiHttp, request);
          String body = new String(response.body());
          Matcher id = ID.matcher(body);
          if (response.statusCode() != 202 || !id.find()) {
            throw new IllegalStateException(
                "The API answered " + response.statusCode() + ": " + body);
          }
          ids[i] = new TaskId(id.group(1));
        });
    Bench.log(
        "small %s: the API accepted %d uploads in %.2f s",
        label,
        n,
        Duration.between(Collections.min(List.of(started)), Instant.now()).toNanos() / 1e9);
    List<UploadTask> done;
    try {
      done = stack.awaitDone(List.of(ids), Duration.ofMinutes(5));
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          e.getMessage() + "\n" + poller.tail(20) + "\n" + api.process().tail(20), e);
    }
    lastPipelineCpu = cpu.stop().describe(n);
    Bench.log("small %s: CPU %s", label, lastPipelineCpu);
    List<Double> latencies = new ArrayList<>(n);
    Instant first = Collections.min(List.of(started));
    Instant last = first;
    for (int i = 0; i < n; i++) {
      Instant finished = done.get(i).updatedAt();
      latencies.add(Duration.between(started[i], finished).toNanos() / 1e6);
      if (finished.isAfter(last)) {
        last = finished;
      }
    }
    stack.deleteTree(dir);
    return new Run(n / (Duration.between(first, last).toNanos() / 1e9), latencies);
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

  /** Runs {@code task} for 0..n-1 on {@link Plan#smallConcurrency()} virtual threads. */
  private void concurrently(int n, IntConsumer task) {
    AtomicInteger next = new AtomicInteger();
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < plan.smallConcurrency(); t++) {
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    int i;
                    while (failure.get() == null && (i = next.getAndIncrement()) < n) {
                      try {
                        task.accept(i);
                      } catch (RuntimeException e) {
                        failure.compareAndSet(null, e);
                      }
                    }
                  }));
    }
    for (Thread thread : threads) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    if (failure.get() != null) {
      throw failure.get();
    }
  }
}
