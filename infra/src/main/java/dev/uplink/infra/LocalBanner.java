package dev.uplink.infra;

import dev.uplink.core.config.AwsSettings;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.domain.Caller;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What {@code uplink local} prints once it runs: where the API is, the development keys (only
 * those: keys from the environment are never printed), where files go, and the {@code export} lines
 * that point another shell's {@code uplink dlq} and {@code uplink retry} at these emulators.
 *
 * @param config the running stack's configuration, its AWS endpoints those of the emulators
 * @param apiBase where the API listens, e.g. {@code http://127.0.0.1:8080}
 */
public record LocalBanner(UplinkConfig config, URI apiBase) {

  /** Values a shell takes as they are; anything else is single-quoted. */
  private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_./:@%+=,-]+");

  public LocalBanner {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(apiBase, "apiBase");
  }

  /** The whole banner. */
  public String text() {
    Path dataDir = config.dataDir().toAbsolutePath().normalize();
    AwsSettings aws = config.aws();
    var lines = new ArrayList<String>();
    lines.add("");
    lines.add("Uplink is running locally.");
    lines.add("  API:           " + apiBase + "/v1/uploads");
    lines.add("  Web:           " + apiBase + "/   (sign in with an API key)");
    lines.add(
        usesDevKey(UplinkLocal.DEV_API_KEY, false)
            ? "  API key:       "
                + UplinkLocal.DEV_API_KEY
                + "   (owner dev, any destination; local only; set UPLINK_API_KEYS to choose)"
            : "  API keys:      from UPLINK_API_KEYS (" + count(false) + " configured)");
    lines.add(
        usesDevKey(UplinkLocal.DEV_OPERATOR_KEY, true)
            ? "  Operator key:  "
                + UplinkLocal.DEV_OPERATOR_KEY
                + "   (operator "
                + UplinkLocal.DEV_OPERATOR
                + "; local only; set UPLINK_OPERATOR_KEYS to choose)"
            : "  Operator keys: from UPLINK_OPERATOR_KEYS (" + count(true) + " configured)");
    lines.add(
        config
            .incus()
            .map(incus -> "  Files go:      into Incus at " + incus.url())
            .orElse(
                "  Files go:      "
                    + dataDir.resolve("instances")
                    + "/NAME/PATH   (directory target; set UPLINK_INCUS_URL for Incus)"));
    lines.add(
        "  AWS:           in-process S3 "
            + aws.s3Endpoint().orElseThrow()
            + ", SQS "
            + aws.sqsEndpoint().orElseThrow()
            + ", DynamoDB "
            + aws.dynamoDbEndpoint().orElseThrow());
    lines.add("  Data:          " + dataDir.resolve("aws"));
    lines.add(
        "To use the uplink command from another shell (upload, status, and the operators' dlq and"
            + " retry), paste:");
    exports().forEach(line -> lines.add("  " + line));
    lines.add("Press Ctrl+C to stop.");
    lines.add("");
    return String.join(System.lineSeparator(), lines);
  }

  /**
   * {@code export} lines that give a shell what the CLI needs to reach this stack: the API's URL
   * (and the development key, when it is the one in use), and for the operators' commands the
   * region, the emulators' credentials (they accept any; these are not secrets), the SQS and
   * DynamoDB endpoints and the resource names, all read back by {@code UplinkConfig}.
   */
  public List<String> exports() {
    AwsSettings aws = config.aws();
    var api = new ArrayList<String>();
    api.add(assign("UPLINK_API_URL", apiBase.toString()));
    if (usesDevKey(UplinkLocal.DEV_API_KEY, false)) {
      api.add(assign("UPLINK_API_KEY", UplinkLocal.DEV_API_KEY));
    }
    return List.of(
        "export " + String.join(" ", api),
        "export "
            + String.join(
                " ",
                assign("AWS_REGION", aws.region()),
                assign("AWS_ACCESS_KEY_ID", LocalAws.ACCESS_KEY_ID),
                assign("AWS_SECRET_ACCESS_KEY", LocalAws.SECRET_ACCESS_KEY)),
        "export "
            + String.join(
                " ",
                assign("UPLINK_SQS_ENDPOINT", aws.sqsEndpoint().orElseThrow().toString()),
                assign(
                    "UPLINK_DYNAMODB_ENDPOINT", aws.dynamoDbEndpoint().orElseThrow().toString())),
        "export "
            + String.join(
                " ",
                assign("UPLINK_QUEUE", aws.queue()),
                assign("UPLINK_DLQ", aws.deadLetterQueue()),
                assign("UPLINK_TABLE", aws.table())));
  }

  private boolean usesDevKey(String key, boolean operator) {
    Caller caller = config.apiKeys().get(key);
    return caller != null && caller.operator() == operator;
  }

  private long count(boolean operators) {
    return config.apiKeys().values().stream().filter(c -> c.operator() == operators).count();
  }

  private static String assign(String name, String value) {
    return name + "=" + shellQuoted(value);
  }

  /** {@code value} as one shell word: as it is when that is safe, else in single quotes. */
  static String shellQuoted(String value) {
    if (SHELL_SAFE.matcher(value).matches()) {
      return value;
    }
    return "'" + value.replace("'", "'\\''") + "'";
  }
}
