package dev.uplink.secrets.ssm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.aws.SecretsManagerStore;
import dev.uplink.core.config.ConfigException;
import dev.uplink.core.config.PemSource;
import dev.uplink.core.config.SecretReference;
import dev.uplink.core.config.SecretStore;
import dev.uplink.core.config.UplinkConfig;
import dev.uplink.core.testing.MotoServer;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * SSM SecureString parameters read from a real moto server over SSM's wire protocol, and the
 * configuration reading them beside Secrets Manager secrets once this module is on the class path.
 */
class SsmParameterSourceTest {

  private static final String VALUE = "k-" + UUID.randomUUID() + "=alice@*:/";

  private static MotoServer moto;
  private static SsmParameterSource secrets;

  @BeforeAll
  static void startMoto() {
    moto = MotoServer.require();
    secrets = SsmParameterSource.create(MotoServer.REGION, Optional.of(moto.endpoint()));
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
  class ParameterStore {

    @Test
    void aSecureStringIsReadDecryptedByItsArnAndByItsName() {
      String name = "/" + unique("uplink/incus/client-key");
      String arn = moto.putSecureString(name, VALUE);

      assertThat(arn)
          .isEqualTo("arn:aws:ssm:us-east-1:" + MotoServer.ACCOUNT + ":parameter" + name);
      assertThat(secrets.read(reference(arn))).as("by ARN").isEqualTo(VALUE);
      assertThat(secrets.read(reference("ssm:" + name))).as("by name").isEqualTo(VALUE);
    }

    @Test
    void aPlainStringParameterIsRefusedWithoutShowingItsValue() {
      String arn = moto.putString("/" + unique("uplink/plain"), VALUE);

      assertThatThrownBy(() -> secrets.read(reference(arn)))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("is a String parameter, not a SecureString")
          .hasMessageNotContaining(VALUE);
    }

    @Test
    void aMissingParameterIsOneLine() {
      assertThatThrownBy(() -> secrets.read(reference("ssm:/uplink/" + UUID.randomUUID())))
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("UPLINK_API_KEYS_SECRET: the SSM parameter /uplink/")
          .hasMessageEndingWith("does not exist in us-east-1")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
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
    try (var unreachable = SsmParameterSource.create("us-east-1", Optional.of(nowhere))) {
      assertThatThrownBy(() -> unreachable.read(reference("ssm:/uplink/incus/client-key")))
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith(
              "UPLINK_API_KEYS_SECRET: the SSM parameter /uplink/incus/client-key cannot be read:"
                  + " the store did not answer: ")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
  }

  @Nested
  class TheConfiguration {

    @Test
    void findsBothStoresOnTheClassPath() {
      assertThat(ServiceLoader.load(SecretStore.class).stream().map(ServiceLoader.Provider::type))
          .containsExactlyInAnyOrder(SecretsManagerStore.class, SsmParameterStore.class);
    }

    @Test
    void readsAnSsmParameterBesideASecretsManagerSecret() {
      String certPem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
      String keyPem = "-----BEGIN PRIVATE KEY-----\nsecret-" + UUID.randomUUID() + "\n-----END";
      String keyArn = moto.putSecureString("/" + unique("uplink/incus/client.key"), keyPem);
      String certArn = moto.createSecret(unique("crt"), certPem);

      UplinkConfig config =
          UplinkConfig.fromEnvironment(
              Map.of(
                  "UPLINK_SECRETS_ENDPOINT",
                  moto.endpoint().toString(),
                  "UPLINK_API_KEYS",
                  "k1=alice@*:/",
                  "UPLINK_INCUS_URL",
                  "https://incus.example:8443",
                  "UPLINK_INCUS_CERT_SECRET",
                  certArn,
                  "UPLINK_INCUS_KEY_SECRET",
                  keyArn,
                  "UPLINK_INCUS_SERVER_CERT",
                  "/etc/uplink/server.crt"));

      var incus = config.incus().orElseThrow();
      assertThat(incus.clientCert())
          .isEqualTo(PemSource.secret("Secrets Manager secret " + certArn, certPem));
      assertThat(incus.clientKey())
          .isEqualTo(PemSource.secret("SSM parameter " + keyArn, keyPem))
          .as("a key's string form names where it came from, never the key")
          .hasToString("SSM parameter " + keyArn);
      assertThat(config.toString()).doesNotContain(keyPem.substring(28, 60));
    }
  }
}
