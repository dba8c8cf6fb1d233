package dev.uplink.infra.testing;

import dev.uplink.core.config.AwsSettings;
import dev.uplink.processor.incus.IncusTestEnvironment;
import java.nio.file.Path;
import java.util.LinkedHashMap;

/**
 * The environment a {@code PollerMain} child process gets, as a container would: the in-process
 * emulators and a test class's resources ({@link LocalAwsExtension}), the test incusd as the
 * target, and {@code dataDir}. Tests add their own variables to the returned map.
 */
public final class PollerEnvironment {

  private PollerEnvironment() {}

  public static LinkedHashMap<String, String> of(
      LocalAwsExtension aws, IncusTestEnvironment incus, Path dataDir) {
    AwsSettings settings = aws.settings();
    var env = new LinkedHashMap<String, String>();
    env.put("AWS_ACCESS_KEY_ID", "test");
    env.put("AWS_SECRET_ACCESS_KEY", "test");
    env.put("AWS_REGION", settings.region());
    env.put("UPLINK_S3_ENDPOINT", aws.localAws().s3Endpoint().toString());
    env.put("UPLINK_SQS_ENDPOINT", aws.localAws().sqsEndpoint().toString());
    env.put("UPLINK_DYNAMODB_ENDPOINT", aws.localAws().dynamoDbEndpoint().toString());
    env.put("UPLINK_BUCKET", settings.bucket());
    env.put("UPLINK_QUEUE", settings.queue());
    env.put("UPLINK_DLQ", settings.deadLetterQueue());
    env.put("UPLINK_TABLE", settings.table());
    env.put("UPLINK_INCUS_URL", incus.url().toString());
    env.put("UPLINK_INCUS_CERT", incus.clientCert().toString());
    env.put("UPLINK_INCUS_KEY", incus.clientKey().toString());
    env.put("UPLINK_INCUS_SERVER_CERT", incus.serverCert().toString());
    env.put("UPLINK_DATA_DIR", dataDir.toString());
    env.put("UPLINK_VISIBILITY_TIMEOUT", Long.toString(aws.visibilityTimeout().toSeconds()));
    env.put("UPLINK_MAX_RECEIVE_COUNT", Integer.toString(aws.maxReceiveCount()));
    return env;
  }
}
