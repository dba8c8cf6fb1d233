package dev.uplink.bench;

import dev.uplink.core.domain.TaskId;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.processor.poller.SqsPoller;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * 5. The scale curve: how many small tasks per second 1, 2, 4 and 8 workers drain from the queue,
 * in one poller process and in two, so users can size {@code MaximumConcurrency}.
 */
final class ScaleBench {

  static final int[] WORKERS = {1, 2, 4, 8};
  static final int[] PROCESSES = {1, 2};
  private static final int WARMUP = 40;

  private final Stack stack;
  private final Plan plan;
  private final byte[] content = new byte[SmallTaskBench.FILE_BYTES];
  private final String sha;

  ScaleBench(Stack stack, Plan plan) {
    this.stack = stack;
    this.plan = plan;
    new java.util.SplittableRandom(5).nextBytes(content);
    this.sha = Payloads.sha256Hex(content);
  }

  Report run() {
    var report = new Report("5. Scale curve");
    List<String> notes = new ArrayList<>();
    for (int processes : PROCESSES) {
      List<String> medians = new ArrayList<>();
      for (int workers : WORKERS) {
        List<Double> rates = point(processes, workers);
        medians.add(Stats.f0(Stats.median(rates)));
        notes.add("%d x %d: %s".formatted(processes, workers, Stats.list(rates, 0)));
      }
      report.row(
          processes
              + " poller process"
              + (processes > 1 ? "es" : "")
              + ", 1 / 2 / 4 / 8 workers each, tasks/s",
          String.join(" / ", medians),
          "-",
          "-",
          "-",
          "-");
    }
    report.note(
        ("Scale curve: %d tasks of 64 KiB (objects already in S3, tasks PENDING) are published at"
                + " once (SendMessageBatch) to idle pollers (`PollerMain`, `%s`, UPLINK_WORKERS ="
                + " UPLINK_WORKERS_PER_HOST = the worker count); tasks/s = tasks / (last DONE -"
                + " first SendMessage). The processor's part of the pipeline only: no API. Every"
                + " point is a fresh set of pollers, warmed by %d tasks; %d repetitions per point,"
                + " medians. Processes x workers: %s.")
            .formatted(
                plan.scaleTasks(),
                String.join(" ", PushBench.POLLER_JVM),
                WARMUP,
                plan.scaleReps(),
                String.join("; ", notes)));
    return report;
  }

  private List<Double> point(int processes, int workers) {
    List<Child> pollers = new ArrayList<>();
    List<Double> rates = new ArrayList<>();
    try {
      Map<String, String> env =
          Map.of(
              "UPLINK_WORKERS",
              Integer.toString(workers),
              "UPLINK_WORKERS_PER_HOST",
              Integer.toString(workers));
      for (int p = 0; p < processes; p++) {
        pollers.add(stack.startPoller(PushBench.POLLER_JVM, env));
      }
      drain("p%dw%d-warm".formatted(processes, workers), WARMUP);
      for (int rep = 1; rep <= plan.scaleReps(); rep++) {
        String label = "p%dw%d-r%d".formatted(processes, workers, rep);
        rates.add(
            stack
                .target()
                .measure("scale point", () -> drain(label, plan.scaleTasks()), stack::drainQueue));
        Bench.log(
            "scale %d process(es) x %d worker(s) rep %d: %.0f tasks/s",
            processes, workers, rep, rates.getLast());
      }
    } finally {
      pollers.forEach(Child::close);
      // A stopped poller's last long poll lives on in ElasticMQ for up to its wait time and takes
      // the next point's first message, which then stays invisible for a whole visibility timeout
      // (seen: 5 minutes between two points). Let it expire before the next point publishes.
      Sleep.millis(SqsPoller.MAX_WAIT.toMillis() + 1000);
    }
    return rates;
  }

  /** Tasks per second for {@code n} tasks published at once. */
  private double drain(String label, int n) {
    String dir = Stack.ROOT + "/scale-" + Stack.unique(label);
    stack.target().mkdirs(dir);
    List<UploadTask> tasks =
        Parallel.map(
            16,
            IntStream.range(0, n).boxed().toList(),
            i -> {
              String key = "bench/" + dir.substring(dir.lastIndexOf('/') + 1) + "-" + i;
              stack.putObject(key, content);
              return stack.createTask(key, content.length, sha, dir + "/" + i + ".bin");
            });
    Instant sent = Instant.now();
    stack.publish(tasks, 4);
    List<TaskId> ids = tasks.stream().map(UploadTask::id).toList();
    List<UploadTask> done = stack.awaitDone(ids, Duration.ofMinutes(10));
    Instant last = sent;
    for (UploadTask task : done) {
      if (task.updatedAt().isAfter(last)) {
        last = task.updatedAt();
      }
    }
    stack.target().deleteTree(dir);
    return n / (Duration.between(sent, last).toNanos() / 1e9);
  }
}
