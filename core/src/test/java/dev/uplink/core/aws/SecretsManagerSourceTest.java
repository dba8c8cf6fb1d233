package dev.uplink.core.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.uplink.core.config.ConfigException;
import dev.uplink.core.config.PemSource;
import dev.uplink.core.config.SecretReference;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.testing.MotoServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Secrets read from a real moto server (Secrets Manager over its wire protocol) through the SDK
 * client the Lambda functions use, and every way a read can fail reported as one line that names
 * the variable and the secret but never a secret's value. SSM parameters are uplink-secrets-ssm's
 * ({@code SsmParameterSourceTest} there).
 */
class SecretsManagerSourceTest {

  private static final String VALUE = "k-" + UUID.randomUUID() + "=alice@*:/";

  private static MotoServer moto;
  private static SecretsManagerSource secrets;

  @BeforeAll
  static void startMoto() {
    moto = MotoServer.require();
    secrets = SecretsManagerSource.create(MotoServer.REGION, Optional.of(moto.endpoint()));
  }

  @AfterAll
  static void stopMoto() {
    if (secrets != null) {
      secrets.close();
    }
    if (moto != null) {
      moto.close();
    }
  }

  private static String unique(String name) {
    return name + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static SecretReference reference(String value) {
    return SecretReference.parse("UPLINK_API_KEYS_SECRET", value);
  }

  @Nested
  class SecretsManager {

    @Test
    void aSecretIsReadByItsArnAndByItsName() {
      String name = unique("uplink/api-keys");
      String arn = moto.createSecret(name, VALUE);

      assertThat(secrets.read(reference(arn))).as("by ARN").isEqualTo(VALUE);
      assertThat(secrets.read(reference("secretsmanager:" + name))).as("by name").isEqualTo(VALUE);
    }

    @Test
    void aMissingSecretIsOneLineNamingTheVariableTheSecretAndTheRegion() {
      String arn =
          "arn:aws:secretsmanager:us-east-1:" + MotoServer.ACCOUNT + ":secret:uplink/none-AbCdEf";

      assertThatThrownBy(() -> secrets.read(reference(arn)))
          .isInstanceOf(ConfigException.class)
          .hasMessage(
              "UPLINK_API_KEYS_SECRET: the Secrets Manager secret "
                  + arn
                  + " does not exist in"
                  + " us-east-1");
    }

    @Test
    void aBinarySecretIsRefusedSayingHowToStoreText() {
      String arn = moto.createBinarySecret(unique("uplink/binary"), new byte[] {1, 2, 3});

      assertThatThrownBy(() -> secrets.read(reference(arn)))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("holds binary data")
          .hasMessageContaining("--secret-string file://");
    }
  }

  @Nested
  class Failures {

    @Test
    void aStoreThatRefusesTheReadIsReportedWithItsErrorCode() throws Exception {
      // What AWS answers a role without secretsmanager:GetSecretValue on the secret.
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext(
          "/",
          exchange -> {
            byte[] body =
                ("{\"__type\":\"AccessDeniedException\",\"Message\":\"User: arn:aws:sts::"
                        + MotoServer.ACCOUNT
                        + ":assumed-role/uplink-api/fn is not authorized to perform:"
                        + " secretsmanager:GetSecretValue\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
            exchange.sendResponseHeaders(400, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
          });
      server.start();
      URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
      try (var denied = SecretsManagerSource.create("us-east-1", Optional.of(endpoint))) {
        assertThatThrownBy(() -> denied.read(reference("secretsmanager:uplink/api-keys")))
            .isInstanceOf(ConfigException.class)
            .hasMessageStartingWith(
                "UPLINK_API_KEYS_SECRET: the Secrets Manager secret uplink/api-keys cannot be"
                    + " read: AccessDeniedException: User: ")
            .hasMessageContaining("is not authorized to perform: secretsmanager:GetSecretValue");
      } finally {
        server.stop(0);
      }
    }

    @Test
    void anUnreachableStoreFailsWithinSecondsInOneLine() throws Exception {
      int closed;
      try (var socket = new ServerSocket(0)) {
        closed = socket.getLocalPort();
      }
      URI nowhere = URI.create("http://127.0.0.1:" + closed);
      long started = System.nanoTime();
      try (var unreachable = SecretsManagerSource.create("us-east-1", Optional.of(nowhere))) {
        assertThatThrownBy(() -> unreachable.read(reference("secretsmanager:uplink/api-keys")))
            .isInstanceOf(ConfigException.class)
            .hasMessageStartingWith(
                "UPLINK_API_KEYS_SECRET: the Secrets Manager secret uplink/api-keys cannot be read:"
                    + " the store did not answer: ")
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
      }
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
    }
  }

  @Nested
  class TheConfiguration {

    @Test
    void readsTheKeyListsAndTheIncusPemsFromTheSecretsItsVariablesName() {
      String apiKeys = "user-" + UUID.randomUUID() + "=alice@web-*:/srv/uploads/";
      String operatorKeys = "ops-" + UUID.randomUUID() + "=oncall";
      String certPem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
      String keyPem = "-----BEGIN PRIVATE KEY-----\nsecret-" + UUID.randomUUID() + "\n-----END";
      String keyArn = moto.createSecret(unique("uplink/incus/client.key"), keyPem);
      String certArn = moto.createSecret(unique("crt"), certPem);

      UplinkConfig config =
          UplinkConfig.fromEnvironment(
              Map.of(
                  "UPLINK_SECRETS_ENDPOINT",
                  moto.endpoint().toString(),
                  "UPLINK_API_KEYS_SECRET",
                  moto.createSecret(unique("api"), apiKeys),
                  "UPLINK_OPERATOR_KEYS_SECRET",
                  moto.createSecret(unique("ops"), operatorKeys),
                  "UPLINK_INCUS_URL",
                  "https://incus.example:8443",
                  "UPLINK_INCUS_CERT_SECRET",
                  certArn,
                  "UPLINK_INCUS_KEY_SECRET",
                  keyArn,
                  "UPLINK_INCUS_SERVER_CERT",
                  "/etc/uplink/server.crt"));

      assertThat(config.apiKeys()).hasSize(2);
      assertThat(config.apiKeys().get(apiKeys.substring(0, apiKeys.indexOf('='))).owner())
          .isEqualTo("alice");
      assertThat(config.apiKeys().get(operatorKeys.substring(0, operatorKeys.indexOf('='))))
          .matches(caller -> caller.operator() && caller.owner().equals("oncall"));
      var incus = config.incus().orElseThrow();
      assertThat(incus.clientCert())
          .isEqualTo(PemSource.secret("Secrets Manager secret " + certArn, certPem));
      assertThat(incus.clientKey())
          .isEqualTo(PemSource.secret("Secrets Manager secret " + keyArn, keyPem))
          .as("a key's string form names where it came from, never the key")
          .hasToString("Secrets Manager secret " + keyArn);
      assertThat(incus.serverCert())
          .as("a file path still works beside secrets")
          .isEqualTo(PemSource.file(java.nio.file.Path.of("/etc/uplink/server.crt")));
      assertThat(config.toString())
          .doesNotContain(keyPem.substring(28, 60))
          .doesNotContain(apiKeys.substring(0, 20))
          .doesNotContain(operatorKeys.substring(0, 20));
    }

    @Test
    void anSsmParameterWithoutTheSsmModuleStopsTheStartSayingWhatIsMissing() {
      assertThatThrownBy(
              () ->
                  UplinkConfig.fromEnvironment(
                      Map.of(
                          "UPLINK_SECRETS_ENDPOINT",
                          moto.endpoint().toString(),
                          "UPLINK_OPERATOR_KEYS_SECRET",
                          "ssm:/uplink/operator-keys")))
          .isInstanceOf(ConfigException.class)
          .hasMessage(
              "UPLINK_OPERATOR_KEYS_SECRET names the SSM parameter /uplink/operator-keys, but"
                  + " nothing here reads SSM parameters: that needs uplink-secrets-ssm on the class"
                  + " path");
    }

    @Test
    void aMissingSecretStopsTheStartWithTheVariableItCameFrom() {
      assertThatThrownBy(
              () ->
                  UplinkConfig.fromEnvironment(
                      Map.of(
                          "UPLINK_SECRETS_ENDPOINT",
                          moto.endpoint().toString(),
                          "UPLINK_OPERATOR_KEYS_SECRET",
                          "secretsmanager:uplink/no-such-keys")))
          .isInstanceOf(ConfigException.class)
          .hasMessage(
              "UPLINK_OPERATOR_KEYS_SECRET: the Secrets Manager secret uplink/no-such-keys does"
                  + " not exist in us-east-1");
    }
  }
}
