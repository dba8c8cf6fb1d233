package dev.uplink.core.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.config.SecretStore;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class SecretsManagerStoreTest {

  @Test
  void theConfigurationFindsTheSecretsManagerStoreOnTheClassPath() {
    assertThat(ServiceLoader.load(SecretStore.class).stream().map(ServiceLoader.Provider::type))
        .containsExactly(SecretsManagerStore.class);
    assertThat(new SecretsManagerStore().reads())
        .containsExactly(dev.uplink.core.config.SecretReference.Store.SECRETS_MANAGER);
  }

  @Test
  void openingTheStoreAsksNothingOfAwsUntilASecretIsRead() {
    try (var secrets = new SecretsManagerStore().open("eu-west-1", Optional.empty())) {
      assertThat(secrets).isNotNull();
    }
  }
}
