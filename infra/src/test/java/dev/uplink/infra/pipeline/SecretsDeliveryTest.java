package dev.uplink.infra.pipeline;

import static dev.uplink.infra.testing.UplinkHttp.acceptedId;
import static dev.uplink.infra.testing.UplinkHttp.query;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.uplink.core.config.PemSource;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.testing.MotoServer;
import dev.uplink.infra.LocalPipeline;
import dev.uplink.infra.testing.LocalAwsExtension;
import dev.uplink.infra.testing.UplinkHttp;
import dev.uplink.processor.incus.IncusClient;
import dev.uplink.processor.incus.IncusTestEnvironment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * The deployment's way of configuring secrets, end to end: the API and operator keys and all three
 * Incus PEMs are read at start from a real moto server (the client certificate and the pinned
 * server certificate from Secrets Manager, the private key from an SSM SecureString), never from a
 * file or a plain variable, and the pipeline then delivers an upload into the real incusd with
 * them. Every log line of the run, the AWS SDK's at DEBUG included, is captured and holds no line
 * of the key and no API key. Skips without moto or incusd, fails instead under {@code CI=true}.
 */
class SecretsDeliveryTest {

  private static final String API_KEY = "key-" + UUID.randomUUID();
  private static final String OPERATOR_KEY = "ops-" + UUID.randomUUID();

  @RegisterExtension
  static final LocalAwsExtension aws = LocalAwsExtension.create(Duration.ofSeconds(2), 3);

  private static final List<String> lines = new CopyOnWriteArrayList<>();
  private static final Map<Logger, Level> raised = new LinkedHashMap<>();

  private static final byte[] CONTENT =
      "delivered with credentials from secrets\n".getBytes(StandardCharsets.UTF_8);

  private static MotoServer moto;
  private static IncusTestEnvironment incus;
  private static UplinkConfig fromSecrets;
  private static Capture capture;
  private static String finalStatus;
  private static byte[] delivered;

  /** Keeps every event's formatted message and its exception, as any appender could print. */
  private static final class Capture extends AppenderBase<ILoggingEvent> {
    @Override
    protected void append(ILoggingEvent event) {
      lines.add(
          event.getLoggerName()
              + " "
              + event.getFormattedMessage()
              + (event.getThrowableProxy() == null ? "" : " " + event.getThrowableProxy()));
    }
  }

  @BeforeAll
  static void readTheConfigurationFromSecrets() throws Exception {
    incus = IncusTestEnvironment.require();
    moto = MotoServer.require();
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    capture = new Capture();
    capture.setContext(context);
    capture.start();
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(capture);
    for (String name : List.of("dev.uplink", "software.amazon.awssdk")) {
      Logger logger = context.getLogger(name);
      raised.put(logger, logger.getLevel());
      logger.setLevel(Level.DEBUG);
    }

    String prefix = "/uplink-" + UUID.randomUUID().toString().substring(0, 8);
    fromSecrets =
        UplinkConfig.fromEnvironment(
            Map.of(
                "UPLINK_SECRETS_ENDPOINT", moto.endpoint().toString(),
                "UPLINK_API_KEYS_SECRET",
                    moto.createSecret(prefix + "/api-keys", API_KEY + "=alice@*:/srv/"),
                "UPLINK_OPERATOR_KEYS_SECRET",
                    moto.createSecret(prefix + "/operator-keys", OPERATOR_KEY + "=oncall"),
                "UPLINK_INCUS_URL", incus.url().toString(),
                "UPLINK_INCUS_CERT_SECRET",
                    moto.createSecret(prefix + "/client.crt", Files.readString(incus.clientCert())),
                "UPLINK_INCUS_KEY_SECRET",
                    moto.putSecureString(
                        prefix + "/client.key", Files.readString(incus.clientKey())),
                "UPLINK_INCUS_SERVER_CERT_SECRET",
                    moto.createSecret(
                        prefix + "/server.crt", Files.readString(incus.serverCert()))));
    deliverOneUpload();
  }

  /** An upload with the key from the secret, pushed with the PEMs from the secrets. */
  private static void deliverOneUpload() throws Exception {
    UplinkConfig config =
        aws.config().withIncus(fromSecrets.incus()).withCallers(fromSecrets.apiKeys());
    String directory = IncusTestEnvironment.uniqueDirectory();
    String path = directory + "/from-secrets.txt";
    try (var pipeline = LocalPipeline.start(config, aws.clients(), "127.0.0.1");
        var http = new UplinkHttp(pipeline.baseUri());
        var incusApi = new IncusClient(fromSecrets.incus().orElseThrow())) {
      String id =
          acceptedId(
              http.uploadBytes(
                  API_KEY, query("container", incus.instance(), "path", path), CONTENT));
      finalStatus = http.awaitFinished(API_KEY, id, Duration.ofSeconds(30)).path("status").asText();
      try {
        delivered = incusApi.readFile(incus.instance(), path);
      } finally {
        incusApi.delete(incus.instance(), path);
        incusApi.delete(incus.instance(), directory);
      }
    }
  }

  @AfterAll
  static void stop() {
    if (capture != null) {
      LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
      context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(capture);
      raised.forEach(Logger::setLevel);
    }
    if (moto != null) {
      moto.close();
    }
  }

  @Test
  void theIncusCredentialsComeFromTheSecretsAndAnUploadIsDeliveredWithThem() {
    var settings = fromSecrets.incus().orElseThrow();
    assertThat(List.of(settings.clientCert(), settings.clientKey(), settings.serverCert()))
        .as("no PEM is read from a file")
        .allMatch(pem -> pem instanceof PemSource.FromSecret);
    assertThat(fromSecrets.apiKeys().get(OPERATOR_KEY).operator()).isTrue();
    assertThat(finalStatus).isEqualTo("DONE");
    assertThat(delivered).as("the file as Incus has it").isEqualTo(CONTENT);
  }

  @Test
  void noLineOfTheKeyAndNoApiOrOperatorKeyIsLoggedWhileSecretsAreReadAndUsed() throws Exception {
    assertThat(lines)
        .as("the SDK's DEBUG lines of the secret reads were captured")
        .anyMatch(line -> line.startsWith("software.amazon.awssdk"));
    String all = String.join("\n", lines);
    assertThat(all).doesNotContain(API_KEY).doesNotContain(OPERATOR_KEY);
    for (String pemLine : Files.readAllLines(incus.clientKey())) {
      if (!pemLine.startsWith("-----") && pemLine.length() >= 16) {
        assertThat(all).as("a line of the client key").doesNotContain(pemLine);
      }
    }
    assertThat(all).doesNotContain("PRIVATE KEY");
  }
}
