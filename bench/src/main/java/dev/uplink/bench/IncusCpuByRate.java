package dev.uplink.bench;

import dev.uplink.core.config.IncusSettings;
import dev.uplink.core.domain.Destination;
import dev.uplink.processor.PushException;
import dev.uplink.processor.PushRequest;
import dev.uplink.processor.incus.IncusClient;
import dev.uplink.processor.incus.IncusTls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;

/**
 * A diagnostic, not part of {@code bench/run}: incusd's CPU (with its forkfile helpers) per 64 KiB
 * file for bare REST POSTs and for {@code IncusClient.push}, each at a fixed arrival rate and as
 * fast as 8 callers go, interleaved. It tells whether incusd's cost per file depends on the rate
 * files come at (the pipeline pushes at its own, lower rate) rather than on what is sent.
 *
 * <pre>
 * java -cp ... dev.uplink.bench.IncusCpuByRate [files] [rate/s] [rounds]
 * </pre>
 */
public final class IncusCpuByRate {

  private static final int IN_FLIGHT = 8;

  private IncusCpuByRate() {}

  public static void main(String[] args) throws Exception {
    int files = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    double rate = args.length > 1 ? Double.parseDouble(args[1]) : 70;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    Path certs = Path.of("/var/lib/uplink-test");
    var settings =
        new IncusSettings(
            URI.create("https://127.0.0.1:8443"),
            certs.resolve("client.crt"),
            certs.resolve("client.key"),
            certs.resolve("server.crt"));
    String instance = "uplink-test";
    String dir = "/uplink-cpu-by-rate-" + ProcessHandle.current().pid();
    byte[] payload = new byte[SmallTaskBench.FILE_BYTES];
    new java.util.SplittableRandom(64).nextBytes(payload);
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .sslContext(IncusTls.context(settings))
            .build();
    try (IncusClient client = new IncusClient(settings)) {
      client.createDirectory(instance, dir, 0755, 0, 0);
      int[] counter = {0};
      Pusher rest =
          i -> {
            var request =
                HttpRequest.newBuilder(
                        URI.create(
                            settings.url()
                                + "/1.0/instances/"
                                + instance
                                + "/files?path="
                                + dir
                                + "/r"
                                + i
                                + ".bin"))
                    .header("Content-Type", "application/octet-stream")
                    .header("X-Incus-type", "file")
                    .header("X-Incus-mode", "0644")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(payload))
                    .build();
            HttpResponse<String> response =
                http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
              throw new IOException("Incus answered " + response.statusCode());
            }
          };
      Pusher sftp =
          i ->
              client.push(
                  PushRequest.of(
                      new Destination(instance, dir + "/s" + i + ".bin", 0644, 0, 0),
                      new ByteArrayInputStream(payload),
                      payload.length));
      // Warm both paths (JIT, sessions, the forkfile helper).
      run(rest, 200, 0, counter);
      run(sftp, 200, 0, counter);
      for (int round = 1; round <= rounds; round++) {
        report("REST POST at " + rate + "/s", run(rest, files, rate, counter), files);
        report("IncusClient.push at " + rate + "/s", run(sftp, files, rate, counter), files);
        report("REST POST, 8 at once", run(rest, files, 0, counter), files);
        report("IncusClient.push, 8 at once", run(sftp, files, 0, counter), files);
      }
      for (String name : client.listDirectory(instance, dir)) {
        client.delete(instance, dir + "/" + name.substring(name.lastIndexOf('/') + 1));
      }
      client.delete(instance, dir);
    }
  }

  @FunctionalInterface
  private interface Pusher {
    void push(int i) throws IOException, InterruptedException, PushException;
  }

  /** {@code n} pushes, paced at {@code rate}/s (0: back to back), at most 8 in flight. */
  private static CpuMeter.Usage run(Pusher pusher, int n, double rate, int[] counter)
      throws InterruptedException {
    Semaphore slots = new Semaphore(IN_FLIGHT);
    List<Thread> threads = new ArrayList<>();
    CpuMeter cpu = new CpuMeter().incusd().start();
    long start = System.nanoTime();
    for (int k = 0; k < n; k++) {
      if (rate > 0) {
        long due = start + Math.round(k * 1e9 / rate);
        for (long wait; (wait = due - System.nanoTime()) > 0; ) {
          LockSupport.parkNanos(wait);
        }
      }
      slots.acquire();
      int i = counter[0]++;
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      pusher.push(i);
                    } catch (IOException | PushException e) {
                      throw new IllegalStateException(e);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    } finally {
                      slots.release();
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join();
    }
    return cpu.stop();
  }

  private static void report(String what, CpuMeter.Usage usage, int files) {
    System.out.printf(
        Locale.ROOT,
        "%-34s %6.0f files/s, incusd %.2f ms/file%s%n",
        what,
        files / usage.wallSeconds(),
        usage.msPer(CpuMeter.INCUSD, files),
        usage.otherBuild() ? " (another Maven build was running)" : "");
  }
}
