package dev.uplink.bench;

import dev.uplink.core.domain.TaskStatus;
import dev.uplink.core.domain.UploadTask;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * 4. Cold start: from JVM start to the first SQS event processed by the Lambda handler class, on a
 * fresh JVM, with the HTTP client Uplink chose against the SDK's default clients; and the API
 * function's, from JVM start to its first request (a streamed upload) answered.
 */
final class ColdStartBench {

  /** As on Lambda's Java runtimes: C1 only, serial GC, the JDK's CDS archive. */
  static final List<String> LAMBDA_JVM =
      List.of(
          "-XX:+TieredCompilation",
          "-XX:TieredStopAtLevel=1",
          "-XX:+UseSerialGC",
          "-Xshare:auto",
          "-Xmx512m");

  private static final Pattern DONE =
      Pattern.compile("BENCH-DONE jvm=(\\d+) main=(\\d+) ready=(\\d+) done=(\\d+) failures=(\\d+)");

  private final Stack stack;
  private final Plan plan;
  private final String lambdaClasspath;
  private final String apiLambdaClasspath;

  ColdStartBench(Stack stack, Plan plan, String lambdaClasspath, String apiLambdaClasspath) {
    this.stack = stack;
    this.plan = plan;
    this.lambdaClasspath = lambdaClasspath;
    this.apiLambdaClasspath = apiLambdaClasspath;
  }

  /** One cold start, in milliseconds from the process's launch. */
  record Start(double total, double toMain, double toReady, double firstEvent) {}

  Report run() {
    if (lambdaClasspath == null || apiLambdaClasspath == null) {
      throw new IllegalStateException(
          "--lambda-classpath and --api-lambda-classpath are needed for the cold start (bench/run"
              + " passes them)");
    }
    String dir = Stack.ROOT + "/cold";
    stack.target().mkdirs(dir);
    byte[] content = new byte[SmallTaskBench.FILE_BYTES];
    new java.util.SplittableRandom(7).nextBytes(content);
    String sha = Payloads.sha256Hex(content);
    Map<String, List<Start>> starts = new LinkedHashMap<>();
    starts.put("chosen", new ArrayList<>());
    starts.put("sdk-default", new ArrayList<>());
    starts.put("api", new ArrayList<>());
    // One unmeasured start of each: the page cache holds the jars afterwards, as on a warm host.
    for (String mode : starts.keySet()) {
      coldStart(mode, "warm", content, sha, dir);
    }
    for (int rep = 1; rep <= plan.coldReps(); rep++) {
      for (var entry : starts.entrySet()) {
        String label = Integer.toString(rep);
        Start start =
            stack
                .target()
                .measure(
                    "cold start",
                    () -> coldStart(entry.getKey(), label, content, sha, dir),
                    () -> {});
        entry.getValue().add(start);
        Bench.log(
            "cold start rep %d, %s: %.0f ms (JVM to main %.0f, handler ready %.0f, first event %.0f)",
            rep,
            entry.getKey(),
            start.total(),
            start.toMain(),
            start.toReady(),
            start.firstEvent());
      }
    }
    stack.target().deleteTree(dir);

    List<Start> chosen = starts.get("chosen");
    List<Start> sdk = starts.get("sdk-default");
    List<Start> api = starts.get("api");
    double chosenMs = Stats.median(chosen.stream().map(Start::total).toList());
    double sdkMs = Stats.median(sdk.stream().map(Start::total).toList());
    double apiMs = Stats.median(api.stream().map(Start::total).toList());
    var report = new Report("4. Cold start");
    report.row(
        "Lambda handler, JVM start -> first SQS event processed, ms",
        Stats.f0(chosenMs) + " (URLConnection client)",
        Stats.f0(sdkMs) + " (SDK default clients)",
        Stats.f2(chosenMs / sdkMs),
        "<= 1000 ms",
        Report.met(chosenMs <= 1000));
    report.row(
        "API function, JVM start -> first request (64 KiB streamed upload) answered 202, ms",
        Stats.f0(apiMs),
        "-",
        "-",
        "<= 1000 ms",
        Report.met(apiMs <= 1000));
    report.note(
        ("Cold start: a fresh JVM (`%s`, the JDK's default CDS archive, no SnapStart) on the Lambda"
                + " function's classpath only (the processor's jar and its runtime dependencies)"
                + " instantiates `ProcessorHandler` as the Lambda runtime would, configured from"
                + " the environment (emulators, Incus), and calls handleRequest with one SQS record"
                + " naming a PENDING 64 KiB task; the time runs from the launch of the `java`"
                + " process to handleRequest's return with the task DONE in Incus. The SDK-default"
                + " variant wires the same classes the same way, but lets the SDK pick its HTTP"
                + " clients (no httpClient on the builders). Interleaved, after one unmeasured start"
                + " of each; %d repetitions each, medians. Breakdown (median ms: launch to main,"
                + " to handler ready, first event): URLConnection %s, SDK default %s. All ms:"
                + " URLConnection %s, SDK default %s. The API function: a fresh JVM on the API"
                + " function's package only instantiates `ApiGatewayHandler` and hands it one API"
                + " Gateway event, a 64 KiB streamed upload (S3, DynamoDB, SQS), answered 202;"
                + " breakdown %s, all ms %s.")
            .formatted(
                String.join(" ", LAMBDA_JVM),
                plan.coldReps(),
                breakdown(chosen),
                breakdown(sdk),
                Stats.list(chosen.stream().map(Start::total).toList(), 0),
                Stats.list(sdk.stream().map(Start::total).toList(), 0),
                breakdown(api),
                Stats.list(api.stream().map(Start::total).toList(), 0)));
    return report;
  }

  private static String breakdown(List<Start> starts) {
    return Stats.f0(Stats.median(starts.stream().map(Start::toMain).toList()))
        + " / "
        + Stats.f0(Stats.median(starts.stream().map(Start::toReady).toList()))
        + " / "
        + Stats.f0(Stats.median(starts.stream().map(Start::firstEvent).toList()));
  }

  private Start coldStart(String mode, String rep, byte[] content, String sha, String dir) {
    if (mode.equals("api")) {
      return apiColdStart(rep, content, dir);
    }
    String label = Stack.unique(rep);
    String key = "bench/cold-" + mode + "-" + label;
    stack.putObject(key, content);
    String path = dir + "/" + mode + "-" + label + ".bin";
    UploadTask task = stack.createTask(key, content.length, sha, path);
    String arn = "arn:aws:sqs:" + stack.aws().region() + ":000000000000:" + stack.aws().queue();
    var env = new LinkedHashMap<>(stack.env());
    // What Lambda sets; the EMF library and logging read some of them.
    env.put("AWS_LAMBDA_FUNCTION_NAME", "uplink-processor");
    env.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
    env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024");
    env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/uplink-processor");
    env.put("AWS_LAMBDA_LOG_STREAM_NAME", "cold-start");
    env.put("AWS_EXECUTION_ENV", "AWS_Lambda_java21");
    try (Child child =
        Child.jvm(
            "cold-" + mode + "-" + label,
            lambdaClasspath,
            LAMBDA_JVM,
            ColdStartMain.class.getName(),
            List.of(mode, task.id().value(), arn),
            env,
            stack.workDir().resolve("cold-" + mode + "-" + label + ".log"))) {
      Matcher m = child.await(DONE, Duration.ofSeconds(60));
      child.waitFor(Duration.ofSeconds(30));
      if (!m.group(5).equals("0")) {
        throw new IllegalStateException("The handler kept the message\n" + child.tail(30));
      }
      UploadTask after = stack.tasks().find(task.id()).orElseThrow();
      if (after.status() != TaskStatus.DONE) {
        throw new IllegalStateException("The task is " + after.status() + "\n" + child.tail(30));
      }
      long launched = micros(child.started());
      long jvm = Long.parseLong(m.group(1));
      long main = Long.parseLong(m.group(2));
      long ready = Long.parseLong(m.group(3));
      long done = Long.parseLong(m.group(4));
      if (jvm < launched - 20_000) {
        throw new IllegalStateException("clock trouble: JVM start before launch");
      }
      return new Start(
          (done - launched) / 1000.0,
          (main - launched) / 1000.0,
          (ready - launched) / 1000.0,
          (done - ready) / 1000.0);
    } finally {
      try {
        stack.target().deleteFiles(List.of(path));
      } catch (RuntimeException e) {
        Bench.log("could not delete %s: %s", path, e.getMessage());
      }
    }
  }

  private Start apiColdStart(String rep, byte[] content, String dir) {
    String label = Stack.unique(rep);
    var env = new LinkedHashMap<>(stack.env());
    env.put("AWS_LAMBDA_FUNCTION_NAME", "uplink-api");
    env.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
    env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024");
    env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/uplink-api");
    env.put("AWS_LAMBDA_LOG_STREAM_NAME", "cold-start");
    env.put("AWS_EXECUTION_ENV", "AWS_Lambda_java21");
    try (Child child =
        Child.jvm(
            "cold-api-" + label,
            apiLambdaClasspath,
            LAMBDA_JVM,
            ColdStartApiMain.class.getName(),
            List.of(
                Stack.API_KEY,
                dir + "/api-" + label + ".bin",
                java.util.Base64.getEncoder().encodeToString(content)),
            env,
            stack.workDir().resolve("cold-api-" + label + ".log"))) {
      Matcher m = child.await(DONE, Duration.ofSeconds(60));
      child.waitFor(Duration.ofSeconds(30));
      if (!m.group(5).equals("0")) {
        throw new IllegalStateException("The API did not accept the upload\n" + child.tail(30));
      }
      long launched = micros(child.started());
      long main = Long.parseLong(m.group(2));
      long ready = Long.parseLong(m.group(3));
      long done = Long.parseLong(m.group(4));
      return new Start(
          (done - launched) / 1000.0,
          (main - launched) / 1000.0,
          (ready - launched) / 1000.0,
          (done - ready) / 1000.0);
    }
  }

  private static long micros(Instant instant) {
    return instant.getEpochSecond() * 1_000_000 + instant.getNano() / 1000;
  }
}
