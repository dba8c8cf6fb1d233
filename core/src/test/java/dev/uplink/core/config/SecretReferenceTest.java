package dev.uplink.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.uplink.core.config.SecretReference.Store;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SecretReferenceTest {

  private static final String V = "UPLINK_INCUS_KEY_SECRET";

  @Test
  void aSecretsManagerArnNamesTheSecretAndItsRegion() {
    String arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:uplink/incus-key-AbCdEf";
    assertThat(SecretReference.parse(V, " " + arn + " "))
        .isEqualTo(new SecretReference(V, Store.SECRETS_MANAGER, arn, Optional.of("eu-west-1")));
  }

  @Test
  void anSsmParameterArnNamesTheParameterAndItsRegion() {
    String arn = "arn:aws-cn:ssm:cn-north-1:123456789012:parameter/uplink/incus/client.key";
    assertThat(SecretReference.parse(V, arn))
        .isEqualTo(new SecretReference(V, Store.SSM_PARAMETER, arn, Optional.of("cn-north-1")));
  }

  @Test
  void aNameWithItsStoreInFrontIsLookedUpInTheConfiguredRegion() {
    assertThat(SecretReference.parse(V, "secretsmanager:uplink/key"))
        .isEqualTo(new SecretReference(V, Store.SECRETS_MANAGER, "uplink/key", Optional.empty()));
    assertThat(SecretReference.parse(V, "ssm:/uplink/key"))
        .isEqualTo(new SecretReference(V, Store.SSM_PARAMETER, "/uplink/key", Optional.empty()));
  }

  @Test
  void itDescribesItselfForMessagesByStoreAndId() {
    assertThat(SecretReference.parse(V, "ssm:/uplink/key").describe())
        .isEqualTo("SSM parameter /uplink/key");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "uplink/key",
        "secretsmanager:",
        "ssm:",
        "arn:aws:s3:::bucket/key",
        "arn:aws:ssm:us-east-1:123456789012:secret:mixed-up",
        "arn:aws:secretsmanager:us-east-1:123456789012:parameter/mixed-up",
        "arn:aws:secretsmanager:us-east-1:12345:secret:short-account"
      })
  void anythingElseIsOneLineNamingTheVariableAndTheAcceptedForms(String value) {
    assertThatThrownBy(() -> SecretReference.parse(V, value))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(V + " must name a Secrets Manager secret")
        .hasMessageContaining("SSM SecureString parameter")
        .hasMessageEndingWith("got '" + value + "'");
  }
}
