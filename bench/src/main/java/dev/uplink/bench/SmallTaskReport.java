package dev.uplink.bench;

import java.util.List;
import java.util.function.ToDoubleFunction;

/** The small-task benchmark's rows and notes in the report, from its measured runs. */
final class SmallTaskReport {

  /** Every measured run by kind, in order; and incusd's CPU while idle, before each run. */
  record Runs(
      List<SmallTaskRun> bare,
      List<SmallTaskRun> client,
      List<SmallTaskRun> uplink,
      List<SmallTaskRun> half,
      List<SmallTaskRun> steady,
      List<Double> background) {}

  private final Plan plan;
  private final List<SmallTaskRun> bare;
  private final List<SmallTaskRun> client;
  private final List<SmallTaskRun> uplink;
  private final List<SmallTaskRun> half;
  private final List<SmallTaskRun> steady;
  private final List<Double> background;
  private final int n;
  private final int c;
  private final int pipelineWarmup;
  private final String workers;
  private final double maxLagMs;

  /**
   * @param pipelineWarmup files through the pipeline before the first measured run
   * @param workers the poller's UPLINK_WORKERS
   * @param maxLagMs how late, at worst, an open-loop upload was sent after it was due
   */
  SmallTaskReport(Plan plan, Runs runs, int pipelineWarmup, String workers, double maxLagMs) {
    this.plan = plan;
    this.bare = runs.bare();
    this.client = runs.client();
    this.uplink = runs.uplink();
    this.half = runs.half();
    this.steady = runs.steady();
    this.background = runs.background();
    this.n = plan.smallTasks();
    this.c = plan.smallConcurrency();
    this.pipelineWarmup = pipelineWarmup;
    this.workers = workers;
    this.maxLagMs = maxLagMs;
  }

  Report build() {
    var report = new Report("3. Small tasks");
    addRows(report);
    addNotes(report);
    return report;
  }

  private void addRows(Report report) {
    double tps = median(uplink, SmallTaskRun::perSecond);
    double limit = median(bare, SmallTaskRun::perSecond);
    double p50 = median(uplink, r -> r.p(50));
    double p99 = median(uplink, r -> r.p(99));
    double halfRate = median(half, SmallTaskRun::perSecond);
    double halfP50 = median(half, r -> r.p(50));
    double halfP99 = median(half, r -> r.p(99));
    double steadyP50 = median(steady, r -> r.p(50));
    double steadyP99 = median(steady, r -> r.p(99));
    // Other builds' tests use the same incusd and only ever add to its CPU: the least disturbed
    // run is the best estimate of each figure.
    double incusdBare = least(bare, r -> r.cpuMs(CpuMeter.INCUSD));
    double incusdClient = least(client, r -> r.cpuMs(CpuMeter.INCUSD));
    double incusdPipeline = least(uplink, r -> r.cpuMs(CpuMeter.INCUSD));
    double pollerMs = median(uplink, r -> r.cpuMs("poller"));
    report.row(
        n + " files of 64 KiB at concurrency " + c + ", tasks/s",
        Stats.f0(tps),
        Stats.f0(limit) + " (bare Incus POSTs)",
        Stats.f2(tps / limit),
        ">= 2x before (46/s, 0.10 of bare POSTs): >= 0.20",
        Report.met(tps / limit >= 0.20));
    report.row(
        "latency POST -> DONE, p50 / p99, ms (that saturated run)",
        Stats.f0(p50) + " / " + Stats.f0(p99),
        Stats.f0(median(bare, r -> r.p(50))) + " / " + Stats.f0(median(bare, r -> r.p(99))),
        "-",
        "-",
        "-");
    report.row(
        "latency POST -> DONE at half that rate (open loop, "
            + Stats.f0(halfRate)
            + " uploads/s, "
            + plan.halfRateTasks()
            + " files), p50 / p99, ms",
        Stats.f0(halfP50) + " / " + Stats.f0(halfP99),
        "-",
        "-",
        "p99 < 250 ms",
        Report.met(halfP99 < 250));
    report.row(
        "latency POST -> DONE at "
            + plan.steadyPerSecond()
            + " uploads/s (open loop, "
            + plan.steadyTasks()
            + " files), p50 / p99, ms",
        Stats.f0(steadyP50) + " / " + Stats.f0(steadyP99),
        "-",
        "-",
        "p50 < 50 ms, p99 < 100 ms",
        Report.met(steadyP50 < 50 && steadyP99 < 100));
    report.row(
        "(for scale) the processor's Incus protocol alone: IncusClient.push, pushes/s",
        Stats.f0(median(client, SmallTaskRun::perSecond)),
        Stats.f0(limit),
        Stats.f2(median(client, SmallTaskRun::perSecond) / limit),
        "-",
        "-");
    report.row(
        "incusd CPU (with its forkfile helpers) per file, whole pipeline, ms (least disturbed of "
            + uplink.size()
            + " runs)",
        Stats.f2(incusdPipeline),
        Stats.f2(incusdBare) + " (one bare Incus POST)",
        Stats.f2(incusdPipeline / incusdBare),
        "<= 0.5",
        Report.met(incusdPipeline / incusdBare <= 0.5));
    report.row(
        "incusd CPU (with its forkfile helpers) per file, IncusClient.push alone, ms (least"
            + " disturbed of "
            + client.size()
            + " runs)",
        Stats.f2(incusdClient),
        Stats.f2(incusdBare) + " (one bare Incus POST)",
        Stats.f2(incusdClient / incusdBare),
        "-",
        "-");
    report.row(
        "the processor's own CPU per task (poller process, the saturated run), ms",
        Stats.f2(pollerMs),
        "-",
        "-",
        "<= 3.1 (half of 6.2 before)",
        Report.met(pollerMs <= 3.1));
  }

  private void addNotes(Report report) {
    report.note(
        ("Small tasks: %d files of 64 KiB (random bytes) POSTed to `/v1/uploads` by %d concurrent"
                + " clients (java.net.http, HTTP/1.1, kept-alive) into a new directory of the"
                + " instance; the API (`%s`) and one poller (`PollerMain`, `%s`, UPLINK_WORKERS ="
                + " UPLINK_WORKERS_PER_HOST = %s, HTTPS to Incus) are processes of their own, the"
                + " emulators a third. Latency = the task's DONE updatedAt - the instant its POST"
                + " began; tasks/s = files / (last DONE - first POST). Limit: the same number of"
                + " bare `POST /1.0/instances/NAME/files` of the same bytes, same concurrency, by the"
                + " same HTTP client with the same certificates (java.net.http, HTTP/1.1); latency"
                + " = one POST. Also shown: `IncusClient.push` alone (what the processor does per"
                + " file, through one `IncusClient` shared by the %d callers). Bare POSTs and"
                + " IncusClient warmed by %d files, the pipeline by %d; interleaved bare, IncusClient, Uplink, half rate, %d/s, ...; %d"
                + " repetitions, medians. Uplink tasks/s %s, p50 %s ms, p99 %s ms; bare POSTs/s"
                + " %s; IncusClient pushes/s %s.")
            .formatted(
                n,
                c,
                String.join(" ", UploadBench.API_JVM),
                String.join(" ", PushBench.POLLER_JVM),
                workers,
                c,
                SmallTaskBench.WARMUP,
                pipelineWarmup,
                plan.steadyPerSecond(),
                plan.smallReps(),
                Stats.list(uplink.stream().map(SmallTaskRun::perSecond).toList(), 0),
                Stats.list(uplink.stream().map(r -> r.p(50)).toList(), 0),
                Stats.list(uplink.stream().map(r -> r.p(99)).toList(), 0),
                Stats.list(bare.stream().map(SmallTaskRun::perSecond).toList(), 0),
                Stats.list(client.stream().map(SmallTaskRun::perSecond).toList(), 0)));
    report.note(
        ("Small tasks, open loop: right after each saturated run, %d more files are POSTed at a"
                + " fixed rate of half the tasks/s that run measured (one POST every 1/rate s, each"
                + " on its own virtual thread, whatever the earlier ones are doing), then %d files"
                + " at %d/s the same way, same API, poller and clients. Latency = DONE updatedAt -"
                + " the instant the POST was due (not when it was sent: a late send counts"
                + " against Uplink); the sends kept to the schedule within %s ms at worst. Half"
                + " rate: rates %s/s, p50 %s ms, p99 %s ms. %d/s: p50 %s ms, p99 %s ms.")
            .formatted(
                plan.halfRateTasks(),
                plan.steadyTasks(),
                plan.steadyPerSecond(),
                Stats.f0(maxLagMs),
                Stats.list(half.stream().map(SmallTaskRun::perSecond).toList(), 0),
                Stats.list(half.stream().map(r -> r.p(50)).toList(), 0),
                Stats.list(half.stream().map(r -> r.p(99)).toList(), 0),
                plan.steadyPerSecond(),
                Stats.list(steady.stream().map(r -> r.p(50)).toList(), 0),
                Stats.list(steady.stream().map(r -> r.p(99)).toList(), 0)));
    report.note(
        ("incusd CPU per file: CPU ticks (`utime + stime + cutime + cstime` from /proc/PID/stat)"
                + " of incusd and of every process whose parent chain leads to it (its `incusd"
                + " forkfile` helpers, which do the file work of REST requests and SFTP sessions"
                + " alike: one per instance, kept alive between requests; 1-2 seen here at once),"
                + " read just before the first request of a run and just after its last"
                + " file is done (a helper that exits meanwhile is counted through its parent's"
                + " cutime/cstime), divided by the files; the window of the pipeline runs holds"
                + " only the poller's Incus traffic (the harness's own directory set-up and clean-up"
                + " are outside it). ms per file, per repetition: bare POSTs %s; IncusClient.push"
                + " %s; pipeline %s; half rate %s; %d/s %s. A figure is left out if incusd"
                + " restarted inside its window. Other builds' test suites share this incusd and"
                + " only add to its CPU, so the table shows the least disturbed run of each kind"
                + " (%s); incusd's CPU while the harness sent it nothing (2 s before each run) was %s"
                + " ms per second.")
            .formatted(
                cpuList(bare, CpuMeter.INCUSD),
                cpuList(client, CpuMeter.INCUSD),
                cpuList(uplink, CpuMeter.INCUSD),
                cpuList(half, CpuMeter.INCUSD),
                plan.steadyPerSecond(),
                cpuList(steady, CpuMeter.INCUSD),
                overlap(bare, client, uplink, half, steady),
                Stats.list(background, 0)));
    report.note(
        ("The processor's own CPU per task: the poller process's utime + stime over the same"
                + " window as the pipeline's incusd figure, divided by the files. ms per task, per"
                + " repetition: saturated %s; half rate %s; %d/s %s (an idle poller still long-polls"
                + " SQS, so slow runs carry more of that per task).")
            .formatted(
                cpuList(uplink, "poller"),
                cpuList(half, "poller"),
                plan.steadyPerSecond(),
                cpuList(steady, "poller")));
    report.note(
        "Small tasks, where the CPU went (last repetition, POST of the first file to the last task"
            + " read back DONE, per process): saturated "
            + uplink.getLast().cpu().describe(n)
            + "; half rate "
            + half.getLast().cpu().describe(plan.halfRateTasks())
            + ".");
  }

  private static double least(List<SmallTaskRun> runs, ToDoubleFunction<SmallTaskRun> f) {
    return runs.stream().mapToDouble(f).filter(v -> !Double.isNaN(v)).min().orElse(Double.NaN);
  }

  private static String cpuList(List<SmallTaskRun> runs, String process) {
    return Stats.list(runs.stream().map(r -> r.cpuMs(process)).toList(), 2);
  }

  @SafeVarargs
  private static String overlap(List<SmallTaskRun>... all) {
    int runs = 0;
    int overlapped = 0;
    for (List<SmallTaskRun> list : all) {
      for (SmallTaskRun r : list) {
        runs++;
        if (r.cpu().otherBuild()) {
          overlapped++;
        }
      }
    }
    return overlapped == 0
        ? "no Maven build ran during any measured run"
        : overlapped + " of these " + runs + " runs overlapped a Maven build";
  }

  private static double median(List<SmallTaskRun> runs, ToDoubleFunction<SmallTaskRun> f) {
    return Stats.median(
        runs.stream().map(r -> f.applyAsDouble(r)).filter(v -> !Double.isNaN(v)).toList());
  }
}
