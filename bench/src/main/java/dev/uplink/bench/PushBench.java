package dev.uplink.bench;

import dev.uplink.core.aws.S3ObjectStore;
import dev.uplink.core.domain.UploadTask;
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
 * certificate.
 */
final class PushBench {

  static final List<String> POLLER_JVM = List.of("-Xmx512m");

  private final Stack stack;
  private final Plan plan;

  PushBench(Stack stack, Plan plan) {
    this.stack = stack;
    this.plan = plan;
  }

  Report run() {
    Path files = stack.workDir().resolve("files");
    Path big = files.resolve("big.bin");
    Path medium = files.resolve("medium.bin");
    Stack.writeRandomFile(big, plan.bigBytes(), 1);
    Stack.writeRandomFile(medium, plan.mediumBytes(), 2);
    String bigKey = "bench/push-big";
    String mediumKey = "bench/push-medium";
    putFile(bigKey, big);
    putFile(mediumKey, medium);
    String bigSha = Stack.sha256Hex(big);
    String mediumSha = Stack.sha256Hex(medium);
    String dir = Stack.ROOT + "/push";
    stack.mkdirs(dir);

    List<Double> curl = new ArrayList<>();
    List<Double> uplink = new ArrayList<>();
    // The poller keeps the objects (UPLINK_KEEP_OBJECTS) so every repetition reads the same one.
    try (Child poller = stack.startPoller(POLLER_JVM, Map.of("UPLINK_KEEP_OBJECTS", "true"))) {
      // Warm-up: the poller's JIT and connections, and Incus.
      viaProcessor(mediumKey, plan.mediumBytes(), mediumSha, dir + "/warm.bin", poller);
      viaCurl(medium, dir + "/warm-curl.bin");
      for (int rep = 1; rep <= plan.bigReps(); rep++) {
        String curlPath = dir + "/curl-" + rep + ".bin";
        curl.add(stack.measure("curl push", () -> viaCurl(big, curlPath), () -> {}));
        Bench.log(
            "push %s rep %d: curl %.1f MB/s", Plan.size(plan.bigBytes()), rep, curl.getLast());
        uplink.add(
            viaProcessor(bigKey, plan.bigBytes(), bigSha, dir + "/uplink-" + rep + ".bin", poller));
        Bench.log(
            "push %s rep %d: processor %.1f MB/s",
            Plan.size(plan.bigBytes()), rep, uplink.getLast());
      }
    } finally {
      stack.deleteObject(bigKey);
      stack.deleteObject(mediumKey);
      stack.deleteTree(dir);
    }

    double ratio = Stats.median(uplink) / Stats.median(curl);
    var report = new Report("2. Push path");
    report.row(
        "S3 -> Incus, " + Plan.size(plan.bigBytes()) + ", MB/s",
        Stats.f1(Stats.median(uplink)),
        Stats.f1(Stats.median(curl)) + " (curl straight to Incus)",
        Stats.f2(ratio),
        ">= 0.9",
        Report.met(ratio >= 0.9));
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
    return report;
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
    Instant sent = Instant.now();
    stack.publish(List.of(task), 1);
    UploadTask done;
    try {
      done = stack.awaitDone(task.id(), Duration.ofMinutes(10));
    } catch (RuntimeException e) {
      throw new IllegalStateException(e.getMessage() + "\n" + poller.tail(30), e);
    }
    double seconds = Duration.between(sent, done.updatedAt()).toNanos() / 1e9;
    stack.deleteFiles(List.of(path));
    return size / seconds / 1e6;
  }

  private double viaCurl(Path file, String path) {
    var incus = stack.incus();
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
    if (result.status() != 200) {
      throw new IllegalStateException(
          "Incus answered curl " + result.status() + ": " + result.body());
    }
    stack.deleteFiles(List.of(path));
    return file.toFile().length() / result.seconds() / 1e6;
  }
}
