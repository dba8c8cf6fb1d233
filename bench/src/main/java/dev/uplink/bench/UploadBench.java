package dev.uplink.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.multipart.MultipartConfiguration;

/**
 * 1. The upload path: a file through the API (its own JVM, {@code -Xmx256m}) into S3, against the
 * same bytes put straight into the same S3 endpoint with the SDK's multipart upload; and the API's
 * peak RSS for two file sizes.
 */
final class UploadBench {

  static final List<String> API_JVM = List.of("-Xmx256m");
  private static final long WARMUP_BYTES = 16 * Plan.MIB;
  private static final long PART_BYTES = 8 * Plan.MIB;
  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([0-9A-Z]+)\"");

  private final Stack stack;
  private final Plan plan;
  private final Path files;

  UploadBench(Stack stack, Plan plan) {
    this.stack = stack;
    this.plan = plan;
    this.files = stack.workDir().resolve("files");
  }

  /** One upload through a fresh API process: its speed and the process's peak RSS. */
  record ApiRun(double mbPerSecond, long peakRssBytes) {}

  Report run() {
    Path big = files.resolve("big.bin");
    Path medium = files.resolve("medium.bin");
    Path warm = files.resolve("warmup.bin");
    Payloads.writeRandomFile(big, plan.bigBytes(), 1);
    Payloads.writeRandomFile(medium, plan.mediumBytes(), 2);
    Payloads.writeRandomFile(warm, WARMUP_BYTES, 3);

    List<Double> sdk = new ArrayList<>();
    List<Double> api = new ArrayList<>();
    List<Double> rssBig = new ArrayList<>();
    List<Double> rssMedium = new ArrayList<>();
    List<Double> apiMedium = new ArrayList<>();
    try (S3AsyncClient s3 = sdkMultipartClient()) {
      sdkPut(s3, medium); // warms the harness's JVM and the SDK
      for (int rep = 1; rep <= plan.bigReps(); rep++) {
        sdk.add(sdkPut(s3, big));
        Bench.log(
            "upload %s rep %d: SDK multipart %.1f MB/s",
            Plan.size(plan.bigBytes()), rep, sdk.getLast());
        ApiRun run = throughApi(big, warm);
        api.add(run.mbPerSecond());
        rssBig.add(run.peakRssBytes() / 1e6);
        Bench.log(
            "upload %s rep %d: API %.1f MB/s, peak RSS %.0f MB",
            Plan.size(plan.bigBytes()), rep, api.getLast(), rssBig.getLast());
      }
    }
    for (int rep = 1; rep <= Math.max(3, plan.bigReps()); rep++) {
      ApiRun run = throughApi(medium, warm);
      apiMedium.add(run.mbPerSecond());
      rssMedium.add(run.peakRssBytes() / 1e6);
      Bench.log(
          "upload %s rep %d: API %.1f MB/s, peak RSS %.0f MB",
          Plan.size(plan.mediumBytes()), rep, apiMedium.getLast(), rssMedium.getLast());
    }
    // The API recorded PENDING tasks whose objects are gone: no poller may see them.
    stack.purgeQueue();

    double ratio = Stats.median(api) / Stats.median(sdk);
    double rssRatio = Stats.median(rssBig) / Stats.median(rssMedium);
    var report = new Report("1. Upload path");
    report.row(
        "direct upload of " + Plan.size(plan.bigBytes()) + ", MB/s",
        Stats.f1(Stats.median(api)),
        Stats.f1(Stats.median(sdk)) + " (SDK multipart straight to S3)",
        Stats.f2(ratio),
        ">= 0.9",
        Report.met(ratio >= 0.9));
    report.row(
        "API peak RSS (VmHWM, -Xmx256m), MB: "
            + Plan.size(plan.bigBytes())
            + " vs "
            + Plan.size(plan.mediumBytes()),
        Stats.f0(Stats.median(rssBig)) + " vs " + Stats.f0(Stats.median(rssMedium)),
        "-",
        Stats.f2(rssRatio),
        "no growth with size",
        Report.met(rssRatio < 1.15));
    report.note(
        ("Upload path: `curl -T FILE -X POST` of a %s file of random bytes (page-cached) to `POST"
                + " /v1/uploads` of the API, which runs alone in its own JVM (`%s`, no poller) and"
                + " streams into S3Proxy (filesystem store, in the emulators' JVM); MB/s = size /"
                + " curl's time_total (until the 202). Baseline: the same file put into the same"
                + " S3Proxy by the SDK's multipart upload (`S3AsyncClient`, `multipartEnabled`, %d"
                + " MiB parts, Netty client, checksums WHEN_REQUIRED like Uplink's) from the harness's"
                + " JVM, warmed by one %s put. Interleaved SDK, API, SDK, API...; %d repetitions each"
                + " (1 GiB runs are slow: fewer than 5), medians. SDK %s MB/s, API %s MB/s.")
            .formatted(
                Plan.size(plan.bigBytes()),
                String.join(" ", API_JVM),
                PART_BYTES / Plan.MIB,
                Plan.size(plan.mediumBytes()),
                plan.bigReps(),
                Stats.list(sdk, 1),
                Stats.list(api, 1)));
    report.note(
        ("API memory: every API run is a fresh JVM (`%s`) that takes one %s upload (JIT warm-up),"
                + " then the measured one; VmHWM is read from /proc/PID/status afterwards (peak RSS"
                + " over the process's life). %s: %s MB; %s: %s MB (%s MB/s).")
            .formatted(
                String.join(" ", API_JVM),
                Plan.size(WARMUP_BYTES),
                Plan.size(plan.bigBytes()),
                Stats.list(rssBig, 0),
                Plan.size(plan.mediumBytes()),
                Stats.list(rssMedium, 0),
                Stats.list(apiMedium, 1)));
    return report;
  }

  private S3AsyncClient sdkMultipartClient() {
    var aws = stack.aws();
    return S3AsyncClient.builder()
        .region(Region.of(aws.region()))
        .endpointOverride(aws.s3Endpoint().orElseThrow())
        .forcePathStyle(true)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .httpClientBuilder(NettyNioAsyncHttpClient.builder())
        .multipartEnabled(true)
        .multipartConfiguration(
            MultipartConfiguration.builder()
                .minimumPartSizeInBytes(PART_BYTES)
                .thresholdInBytes(PART_BYTES)
                .build())
        .build();
  }

  /** MB/s of one SDK multipart put of {@code file}; the object is deleted afterwards. */
  private double sdkPut(S3AsyncClient s3, Path file) {
    String key = "bench/sdk-" + System.nanoTime();
    long size = file.toFile().length();
    long start = System.nanoTime();
    s3.putObject(r -> r.bucket(stack.aws().bucket()).key(key), AsyncRequestBody.fromFile(file))
        .join();
    double seconds = (System.nanoTime() - start) / 1e9;
    stack.deleteObject(key);
    return size / seconds / 1e6;
  }

  private ApiRun throughApi(Path file, Path warmup) {
    try (Stack.Api api = stack.startApi(API_JVM, Map.of("UPLINK_LOG_FORMAT", "json"))) {
      post(api, warmup);
      Curl.Result result = post(api, file);
      long rss = api.process().peakRssBytes();
      return new ApiRun(file.toFile().length() / result.seconds() / 1e6, rss);
    }
  }

  private Curl.Result post(Stack.Api api, Path file) {
    String url =
        api.base()
            + "/v1/uploads?container="
            + stack.instance()
            + "&path="
            + Stack.ROOT
            + "/upload.bin";
    Curl.Result result =
        Curl.run(
            List.of(
                "-X",
                "POST",
                "-H",
                "Authorization: Bearer " + Stack.API_KEY,
                "-H",
                "Content-Type: application/octet-stream",
                "-T",
                file.toString(),
                url),
            stack.workDir().resolve("curl-answer.json"));
    Matcher id = ID.matcher(result.body());
    if (result.status() != 202 || !id.find()) {
      throw new IllegalStateException(
          "The API answered "
              + result.status()
              + ": "
              + result.body()
              + "\n"
              + api.process().tail(30));
    }
    stack.deleteObject("uploads/" + id.group(1));
    return result;
  }
}
