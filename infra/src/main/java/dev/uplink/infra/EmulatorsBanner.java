package dev.uplink.infra;

import dev.uplink.core.config.AwsSettings;
import dev.uplink.core.config.UplinkConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What {@code uplink local --emulators-only} prints once its emulators run: where they are, what
 * was provisioned in them, and the {@code export} lines that point {@code uplink api}, {@code
 * uplink processor} (or an API started from an IDE) and the operators' commands at them. The
 * queue's receive limit and visibility timeout are exported too: the processor checks its own
 * against the queue's redrive policy at start, so they must be the ones the queue was made with.
 *
 * @param config the running emulators' configuration, its AWS endpoints theirs
 */
public record EmulatorsBanner(UplinkConfig config) {

  /** The banner's first line. */
  public static final String HEADING =
      "Uplink's AWS is emulated locally: S3, SQS and DynamoDB only (no API, no processor).";

  public EmulatorsBanner {
    Objects.requireNonNull(config, "config");
  }

  /** The whole banner. */
  public String text() {
    Path dataDir = config.dataDir().toAbsolutePath().normalize();
    AwsSettings aws = config.aws();
    var lines = new ArrayList<String>();
    lines.add("");
    lines.add(HEADING);
    lines.add(
        "  AWS:           in-process S3 "
            + aws.s3Endpoint().orElseThrow()
            + ", SQS "
            + aws.sqsEndpoint().orElseThrow()
            + ", DynamoDB "
            + aws.dynamoDbEndpoint().orElseThrow());
    lines.add(
        "  Provisioned:   bucket %s, queue %s (dead letters after %d receives, to %s), table %s"
            .formatted(
                aws.bucket(),
                aws.queue(),
                config.maxReceiveCount(),
                aws.deadLetterQueue(),
                aws.table()));
    lines.add("  Data:          " + dataDir.resolve("aws"));
    lines.add(
        "To run uplink api and uplink processor against them (and the operators' dlq and retry),"
            + " paste into their shells:");
    exports().forEach(line -> lines.add("  " + line));
    lines.add("Press Ctrl+C to stop.");
    lines.add("");
    return String.join(System.lineSeparator(), lines);
  }

  /**
   * {@code export} lines with everything the services need to find and use the emulators: the
   * region, the emulators' credentials (S3Proxy accepts only these; they are not secrets), the
   * three endpoints, the resource names and the queue's settings.
   */
  public List<String> exports() {
    AwsSettings aws = config.aws();
    var queueSettings = new ArrayList<String>();
    queueSettings.add(
        assign("UPLINK_MAX_RECEIVE_COUNT", Integer.toString(config.maxReceiveCount())));
    queueSettings.add(
        assign("UPLINK_VISIBILITY_TIMEOUT", Long.toString(config.visibilityTimeout().toSeconds())));
    if (config.processing().fifo()) {
      queueSettings.add(assign("UPLINK_QUEUE_FIFO", "true"));
    }
    return List.of(
        export(
            assign("AWS_REGION", aws.region()),
            assign("AWS_ACCESS_KEY_ID", LocalAws.ACCESS_KEY_ID),
            assign("AWS_SECRET_ACCESS_KEY", LocalAws.SECRET_ACCESS_KEY)),
        export(
            assign("UPLINK_S3_ENDPOINT", aws.s3Endpoint().orElseThrow().toString()),
            assign("UPLINK_SQS_ENDPOINT", aws.sqsEndpoint().orElseThrow().toString()),
            assign("UPLINK_DYNAMODB_ENDPOINT", aws.dynamoDbEndpoint().orElseThrow().toString())),
        export(
            assign("UPLINK_BUCKET", aws.bucket()),
            assign("UPLINK_QUEUE", aws.queue()),
            assign("UPLINK_DLQ", aws.deadLetterQueue()),
            assign("UPLINK_TABLE", aws.table())),
        export(queueSettings.toArray(String[]::new)));
  }

  private static String export(String... assignments) {
    return "export " + String.join(" ", assignments);
  }

  private static String assign(String name, String value) {
    return name + "=" + LocalBanner.shellQuoted(value);
  }
}
