package dev.uplink.bench;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.uplink.core.aws.DynamoDbTaskStore;
import dev.uplink.core.aws.S3ObjectStore;
import dev.uplink.core.config.AwsSettings;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.processor.PushWorker;
import dev.uplink.processor.TaskGuard;
import dev.uplink.processor.WorkerSettings;
import dev.uplink.processor.aws.SqsMessages;
import dev.uplink.processor.incus.IncusClient;
import dev.uplink.processor.lambda.EmfPushMetrics;
import dev.uplink.processor.lambda.ProcessorHandler;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Child process, on the Lambda function's classpath only: what the Lambda runtime does on a cold
 * start. Instantiates the processor's handler class, hands it one SQS event (one record naming a
 * PENDING task) and prints {@code BENCH-DONE} with epoch microseconds of the JVM's start, {@code
 * main}, the handler being ready and the event processed.
 *
 * <p>Arguments: {@code chosen} (the real {@link ProcessorHandler}, configured from the environment)
 * or {@code sdk-default} (the same handler wired the same way, but with the SDK's default HTTP
 * clients instead of the URLConnection client Uplink chose); the task id; the queue's ARN.
 */
public final class ColdStartMain {

  private ColdStartMain() {}

  public static void main(String[] args) {
    Instant main = Instant.now();
    String mode = args[0];
    RequestHandler<SQSEvent, SQSBatchResponse> handler =
        switch (mode) {
          case "chosen" -> new ProcessorHandler();
          case "sdk-default" -> withSdkDefaultClients();
          default -> throw new IllegalArgumentException(mode);
        };
    Instant ready = Instant.now();
    var message = new SQSEvent.SQSMessage();
    message.setMessageId("cold-start-" + args[1]);
    message.setReceiptHandle("cold-start-receipt");
    message.setBody("{\"task_id\":\"" + args[1] + "\"}");
    message.setAttributes(Map.of("ApproximateReceiveCount", "1"));
    message.setEventSource("aws:sqs");
    message.setEventSourceArn(args[2]);
    var event = new SQSEvent();
    event.setRecords(List.of(message));
    SQSBatchResponse response = handler.handleRequest(event, new StubContext());
    Instant done = Instant.now();
    System.out.printf(
        "%nBENCH-DONE jvm=%d main=%d ready=%d done=%d failures=%d%n",
        ManagementFactory.getRuntimeMXBean().getStartTime() * 1000,
        micros(main),
        micros(ready),
        micros(done),
        response.getBatchItemFailures().size());
    System.out.flush();
    System.exit(0);
  }

  private static long micros(Instant instant) {
    return instant.getEpochSecond() * 1_000_000 + instant.getNano() / 1000;
  }

  /**
   * What {@code ProcessorWiring.forLambda} builds, with the SDK choosing its HTTP clients (no
   * {@code httpClient(...)} on the builders).
   */
  private static ProcessorHandler withSdkDefaultClients() {
    UplinkConfig config = UplinkConfig.fromEnvironment();
    AwsSettings aws = config.aws();
    Region region = Region.of(aws.region());
    S3Client s3 =
        S3Client.builder()
            .region(region)
            .endpointOverride(aws.s3Endpoint().orElseThrow())
            .forcePathStyle(true)
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .overrideConfiguration(c -> c.apiCallAttemptTimeout(Duration.ofSeconds(120)))
            .build();
    SqsClient sqs =
        SqsClient.builder()
            .region(region)
            .endpointOverride(aws.sqsEndpoint().orElseThrow())
            .overrideConfiguration(
                c ->
                    c.apiCallAttemptTimeout(Duration.ofSeconds(25))
                        .apiCallTimeout(Duration.ofSeconds(30)))
            .build();
    DynamoDbClient dynamoDb =
        DynamoDbClient.builder()
            .region(region)
            .endpointOverride(aws.dynamoDbEndpoint().orElseThrow())
            .overrideConfiguration(
                c ->
                    c.apiCallAttemptTimeout(Duration.ofSeconds(5))
                        .apiCallTimeout(Duration.ofSeconds(15)))
            .build();
    var worker =
        new PushWorker(
            new DynamoDbTaskStore(dynamoDb, aws.table(), config.processing().taskRetention()),
            new S3ObjectStore(s3, aws.bucket(), config.partSizeBytes()),
            new IncusClient(config.incus().orElseThrow()),
            Clock.systemUTC(),
            WorkerSettings.from(config),
            ThreadLocalRandom.current(),
            new EmfPushMetrics(),
            TaskGuard.none());
    Map<String, SqsMessages> queues = new ConcurrentHashMap<>();
    Function<String, SqsMessages> byArn =
        arn ->
            queues.computeIfAbsent(
                arn,
                a -> {
                  String[] parts = a.split(":", 6);
                  String url =
                      sqs.getQueueUrl(r -> r.queueName(parts[5]).queueOwnerAWSAccountId(parts[4]))
                          .queueUrl();
                  return new SqsMessages(sqs, url);
                });
    return new ProcessorHandler(worker, byArn, ProcessorHandler.DEFAULT_SAFETY_MARGIN);
  }

  /** The context of one invocation with 60 s left. */
  private static final class StubContext implements Context {
    private final long deadline = System.currentTimeMillis() + 60_000;

    @Override
    public String getAwsRequestId() {
      return "cold-start";
    }

    @Override
    public String getLogGroupName() {
      return "/aws/lambda/uplink-processor";
    }

    @Override
    public String getLogStreamName() {
      return "cold-start";
    }

    @Override
    public String getFunctionName() {
      return "uplink-processor";
    }

    @Override
    public String getFunctionVersion() {
      return "$LATEST";
    }

    @Override
    public String getInvokedFunctionArn() {
      return "arn:aws:lambda:us-east-1:000000000000:function:uplink-processor";
    }

    @Override
    public CognitoIdentity getIdentity() {
      return null;
    }

    @Override
    public ClientContext getClientContext() {
      return null;
    }

    @Override
    public int getRemainingTimeInMillis() {
      return (int) Math.max(0, deadline - System.currentTimeMillis());
    }

    @Override
    public int getMemoryLimitInMB() {
      return 1024;
    }

    @Override
    public LambdaLogger getLogger() {
      return new LambdaLogger() {
        @Override
        public void log(String message) {
          System.out.print(message);
        }

        @Override
        public void log(byte[] message) {
          System.out.write(message, 0, message.length);
        }
      };
    }
  }
}
