package dev.uplink.bench;

import dev.uplink.core.aws.S3ObjectStore;
import dev.uplink.core.domain.UploadTask;
import dev.uplink.processor.poller.SqsPoller;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * 2. The push path: an object from S3 into Incus through the processor (the real poller, its own
 * JVM), against {@code curl} pushing the same bytes to the same Incus with the same client
 * certificate; and the same over the local unix socket against {@code incus file push}.
 */
final class PushBench {

  static final List<String> POLLER_JVM = List.of("-Xmx512m");

  private final Stack stack;
  private final Plan plan;

  /** CPU seconds of incusd (with its helpers) and of the poller in the last transfer. */
  private double lastIncusdSeconds;

  private double lastPollerSeconds;

  PushBench(Stack stack, Plan plan) {
    this.stack = stack;
    this.plan = plan;
  }

  Report run() {
    Path files = stack.workDir().resolve("files");
    Path big = files.resolve("big.bin");
    Path medium = files.resolve("medium.bin");
    Payloads.writeRandomFile(big, plan.bigBytes(), 1);
    Payloads.writeRandomFile(medium, plan.mediumBytes(), 2);
    String bigKey = "bench/push-big";
    String mediumKey = "bench/push-medium";
    putFile(bigKey, big);
    putFile(mediumKey, medium);
    String bigSha = Payloads.sha256Hex(big);
    String mediumSha = Payloads.sha256Hex(medium);
    String dir = Stack.ROOT + "/push";
    stack.target().mkdirs(dir);

    List<Double> curl = new ArrayList<>();
    List<Double> uplink = new ArrayList<>();
    List<Double> cli = new ArrayList<>();
    List<Double> uplinkUnix = new ArrayList<>();
    // CPU seconds per GiB of each measured transfer: incusd (with its helpers), the poller.
    List<Double> curlIncusd = new ArrayList<>();
    List<Double> uplinkIncusd = new ArrayList<>();
    List<Double> uplinkPoller = new ArrayList<>();
    List<Double> cliIncusd = new ArrayList<>();
    List<Double> unixIncusd = new ArrayList<>();
    List<Double> unixPollerCpu = new ArrayList<>();
    String unixSkipped = null;
    try {
      // The poller keeps the objects (UPLINK_KEEP_OBJECTS) so every repetition reads the same one.
      try (Child poller = stack.startPoller(POLLER_JVM, Map.of("UPLINK_KEEP_OBJECTS", "true"))) {
        // Warm-up: the poller's JIT and connections, and Incus.
        viaProcessor(mediumKey, plan.mediumBytes(), mediumSha, dir + "/warm.bin", poller);
        viaCurl(medium, dir + "/warm-curl.bin");
        for (int rep = 1; rep <= plan.bigReps(); rep++) {
          String curlPath = dir + "/curl-" + rep + ".bin";
          curl.add(stack.target().measure("curl push", () -> viaCurl(big, curlPath), () -> {}));
          curlIncusd.add(perGiB(lastIncusdSeconds));
          Bench.log(
              "push %s rep %d: curl %.1f MB/s", Plan.size(plan.bigBytes()), rep, curl.getLast());
          uplink.add(
              viaProcessor(
                  bigKey, plan.bigBytes(), bigSha, dir + "/uplink-" + rep + ".bin", poller));
          uplinkIncusd.add(perGiB(lastIncusdSeconds));
          uplinkPoller.add(perGiB(lastPollerSeconds));
          Bench.log(
              "push %s rep %d: processor %.1f MB/s",
              Plan.size(plan.bigBytes()), rep, uplink.getLast());
        }
      }
      // The stopped poller's last long poll may still take the next message: let it expire.
      Sleep.millis(SqsPoller.MAX_WAIT.toMillis() + 1000);
      if (!Files.isWritable(IncusTarget.localSocket())) {
        unixSkipped = "no writable " + IncusTarget.localSocket() + " here";
      } else {
        Child unixPoller;
        try {
          unixPoller =
              stack.startUnixSocketPoller(POLLER_JVM, Map.of("UPLINK_KEEP_OBJECTS", "true"));
        } catch (RuntimeException e) {
          // The build measured cannot push over the socket (the product before issue 15).
          unixSkipped =
              "this build's poller does not start with UPLINK_INCUS_URL=unix://"
                  + IncusTarget.localSocket()
                  + ": "
                  + firstConfigError(e.getMessage());
          unixPoller = null;
        }
        if (unixPoller != null) {
          try (Child poller = unixPoller) {
            viaProcessor(mediumKey, plan.mediumBytes(), mediumSha, dir + "/warm-u.bin", poller);
            viaIncusCli(medium, dir + "/warm-cli.bin");
            for (int rep = 1; rep <= plan.bigReps(); rep++) {
              String cliPath = dir + "/cli-" + rep + ".bin";
              cli.add(
                  stack
                      .target()
                      .measure("incus file push", () -> viaIncusCli(big, cliPath), () -> {}));
              cliIncusd.add(perGiB(lastIncusdSeconds));
              Bench.log(
                  "push %s rep %d: incus file push %.1f MB/s",
                  Plan.size(plan.bigBytes()), rep, cli.getLast());
              uplinkUnix.add(
                  viaProcessor(
                      bigKey, plan.bigBytes(), bigSha, dir + "/unix-" + rep + ".bin", poller));
              unixIncusd.add(perGiB(lastIncusdSeconds));
              unixPollerCpu.add(perGiB(lastPollerSeconds));
              Bench.log(
                  "push %s rep %d: processor over the unix socket %.1f MB/s",
                  Plan.size(plan.bigBytes()), rep, uplinkUnix.getLast());
            }
          }
          // (Bench waits for this poller's last long poll to expire before the next part.)
        }
      }
    } finally {
      stack.deleteObject(bigKey);
      stack.deleteObject(mediumKey);
      stack.target().deleteTree(dir);
    }

    double ratio = Stats.median(uplink) / Stats.median(curl);
    var report = new Report("2. Push path");
    report.row(
        "S3 -> Incus, " + Plan.size(plan.bigBytes()) + ", HTTPS, MB/s",
        Stats.f1(Stats.median(uplink)),
        Stats.f1(Stats.median(curl)) + " (curl straight to Incus)",
        Stats.f2(ratio),
        ">= 0.9",
        Report.met(ratio >= 0.9));
    report.row(
        "incusd CPU (with its forkfile helpers) per GiB pushed, HTTPS, s (least disturbed of "
            + uplinkIncusd.size()
            + " runs)",
        Stats.f1(least(uplinkIncusd)),
        Stats.f1(least(curlIncusd)) + " (curl's REST POST)",
        Stats.f2(least(uplinkIncusd) / least(curlIncusd)),
        "-",
        "-");
    if (unixSkipped == null) {
      report.row(
          "incusd CPU (with its forkfile helpers) per GiB pushed, unix socket, s (least"
              + " disturbed of "
              + unixIncusd.size()
              + " runs)",
          Stats.f1(least(unixIncusd)),
          Stats.f1(least(cliIncusd)) + " (incus file push)",
          Stats.f2(least(unixIncusd) / least(cliIncusd)),
          "-",
          "-");
    }
    if (unixSkipped == null) {
      double unixRatio = Stats.median(uplinkUnix) / Stats.median(cli);
      report.row(
          "S3 -> Incus, " + Plan.size(plan.bigBytes()) + ", local unix socket, MB/s",
          Stats.f1(Stats.median(uplinkUnix)),
          Stats.f1(Stats.median(cli)) + " (incus file push)",
          Stats.f2(unixRatio),
          ">= 0.9",
          Report.met(unixRatio >= 0.9));
    } else {
      report.row(
          "S3 -> Incus, " + Plan.size(plan.bigBytes()) + ", local unix socket, MB/s",
          "not measured",
          "-",
          "-",
          ">= 0.9",
          "-");
    }
    report.note(
        ("Push path: a %s object of random bytes in S3Proxy and a PENDING task for it; the harness"
                + " sends the task's message and the real poller (`PollerMain`, its own JVM, `%s`,"
                + " 8 workers, warmed by one %s push) claims it, streams the object from S3 into"
                + " Incus (HTTPS, client certificate), checks SHA-256 and size and records DONE. MB/s"
                + " = size / (DONE's updatedAt - the instant before SendMessage): the whole task, not"
                + " only the transfer. Baseline: `%s -X POST -H 'Content-Type:"
                + " application/octet-stream' --cert --key --cacert -T FILE` of the same bytes from"
                + " the page cache to the same Incus and instance (curl's default protocol there,"
                + " HTTP/2; `--data-binary @FILE` cannot hold 1 GiB), MB/s = size / time_total."
                + " Interleaved curl, Uplink, ...; %d repetitions each, medians. curl %s MB/s,"
                + " Uplink %s MB/s.")
            .formatted(
                Plan.size(plan.bigBytes()),
                String.join(" ", POLLER_JVM),
                Plan.size(plan.mediumBytes()),
                Curl.version(),
                plan.bigReps(),
                Stats.list(curl, 1),
                Stats.list(uplink, 1)));
    report.note(
        unixSkipped != null
            ? "Push path over the local unix socket: not measured, " + unixSkipped + "."
            : ("Push path over the local unix socket: after the HTTPS runs that poller stops and"
                    + " another starts with `UPLINK_INCUS_URL=unix://%s` and no certificate"
                    + " variables, same object, same task flow and MB/s as above, warmed by one %s"
                    + " push. Baseline: `incus file push -q FILE %s/PATH` (%s; the CLI talks to"
                    + " the same socket) of the same bytes from the page cache, MB/s = size / the"
                    + " wall time of the whole command (its start-up included, ~20 ms). Interleaved"
                    + " incus, Uplink, ...; %d repetitions each, medians. incus file push %s MB/s,"
                    + " Uplink %s MB/s.")
                .formatted(
                    IncusTarget.localSocket(),
                    Plan.size(plan.mediumBytes()),
                    stack.instance(),
                    incusVersion(),
                    plan.bigReps(),
                    Stats.list(cli, 1),
                    Stats.list(uplinkUnix, 1)));
    report.note(
        ("Push path, CPU per GiB: incusd and every process under it (`utime + stime + cutime +"
                + " cstime`, as for the small tasks), and the poller process, from just before the"
                + " transfer starts to its end (curl's or incus's exit, the task read back DONE),"
                + " in CPU seconds per GiB; the least disturbed of the repetitions is shown (other"
                + " builds' tests share incusd and only add to it). incusd: curl %s, Uplink HTTPS"
                + " %s, incus file push %s, Uplink unix socket %s. Poller: HTTPS %s, unix socket"
                + " %s.")
            .formatted(
                Stats.list(curlIncusd, 2),
                Stats.list(uplinkIncusd, 2),
                Stats.list(cliIncusd, 2),
                Stats.list(unixIncusd, 2),
                Stats.list(uplinkPoller, 2),
                Stats.list(unixPollerCpu, 2)));
    return report;
  }

  private double perGiB(double seconds) {
    return seconds / (plan.bigBytes() / (1024.0 * Plan.MIB));
  }

  private static double least(List<Double> values) {
    return values.stream()
        .mapToDouble(Double::doubleValue)
        .filter(v -> !Double.isNaN(v))
        .min()
        .orElse(Double.NaN);
  }

  /** The configuration error a poller that exited printed, or the first line of the failure. */
  private static String firstConfigError(String message) {
    String text = String.valueOf(message);
    return text.lines()
        .filter(l -> l.contains("UPLINK_INCUS_URL"))
        .map(String::strip)
        .findFirst()
        .orElse(text.lines().findFirst().orElse(text));
  }

  /** {@code incus file push} of a local file over the unix socket; MB/s of the whole command. */
  private double viaIncusCli(Path file, String path) {
    List<String> command =
        List.of("incus", "file", "push", "-q", file.toString(), stack.instance() + path);
    try {
      CpuMeter cpu = new CpuMeter().incusd().start();
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(stack.workDir().resolve("incus-push.log").toFile())
              .start();
      long t0 = System.nanoTime();
      // (the clock starts after fork+exec returned: less than a millisecond here)
      boolean finished = process.waitFor(10, java.util.concurrent.TimeUnit.MINUTES);
      double seconds = (System.nanoTime() - t0) / 1e9;
      lastIncusdSeconds = cpu.stop().cpuSeconds().get(CpuMeter.INCUSD);
      if (!finished) {
        process.destroyForcibly();
        throw new IllegalStateException("incus file push did not finish: " + command);
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(
            "incus file push failed ("
                + process.exitValue()
                + "): "
                + Files.readString(stack.workDir().resolve("incus-push.log")).strip());
      }
      stack.target().deleteFiles(List.of(path));
      return file.toFile().length() / seconds / 1e6;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String incusVersion() {
    try {
      Process process = new ProcessBuilder("incus", "--version").redirectErrorStream(true).start();
      String version =
          new String(
                  process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
              .strip();
      process.waitFor();
      return "incus " + version;
    } catch (IOException e) {
      return "incus";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "incus";
    }
  }

  private void putFile(String key, Path file) {
    var store = new S3ObjectStore(stack.clients().s3(), stack.aws().bucket(), 64 * (int) Plan.MIB);
    try (InputStream in = Files.newInputStream(file)) {
      store.put(key, in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private double viaProcessor(String key, long size, String sha, String path, Child poller) {
    UploadTask task = stack.createTask(key, size, sha, path);
    CpuMeter cpu = new CpuMeter().process("poller", poller.pid()).incusd().start();
    Instant sent = Instant.now();
    stack.publish(List.of(task), 1);
    UploadTask done;
    try {
      done = stack.awaitDone(task.id(), Duration.ofMinutes(10));
    } catch (RuntimeException e) {
      throw new IllegalStateException(e.getMessage() + "\n" + poller.tail(30), e);
    }
    double seconds = Duration.between(sent, done.updatedAt()).toNanos() / 1e9;
    CpuMeter.Usage usage = cpu.stop();
    lastIncusdSeconds = usage.cpuSeconds().get(CpuMeter.INCUSD);
    lastPollerSeconds = usage.cpuSeconds().get("poller");
    stack.target().deleteFiles(List.of(path));
    return size / seconds / 1e6;
  }

  private double viaCurl(Path file, String path) {
    var incus = stack.incus();
    CpuMeter cpu = new CpuMeter().incusd().start();
    Curl.Result result =
        Curl.run(
            List.of(
                "--cert",
                incus.clientCert().toString(),
                "--key",
                incus.clientKey().toString(),
                "--cacert",
                incus.serverCert().toString(),
                "-X",
                "POST",
                "-H",
                "Content-Type: application/octet-stream",
                "-T",
                file.toString(),
                incus.url() + "/1.0/instances/" + stack.instance() + "/files?path=" + path),
            stack.workDir().resolve("curl-answer.json"));
    lastIncusdSeconds = cpu.stop().cpuSeconds().get(CpuMeter.INCUSD);
    if (result.status() != 200) {
      throw new IllegalStateException(
          "Incus answered curl " + result.status() + ": " + result.body());
    }
    stack.target().deleteFiles(List.of(path));
    return file.toFile().length() / result.seconds() / 1e6;
  }
}
