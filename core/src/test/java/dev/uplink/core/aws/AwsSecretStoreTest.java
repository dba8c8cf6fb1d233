package dev.uplink.core.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.uplink.core.config.SecretStore;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class AwsSecretStoreTest {

  @Test
  void theConfigurationFindsTheAwsSecretStoreOnTheClassPath() {
    assertThat(ServiceLoader.load(SecretStore.class).stream().map(ServiceLoader.Provider::type))
        .containsExactly(AwsSecretStore.class);
  }

  @Test
  void openingTheStoreAsksNothingOfAwsUntilASecretIsRead() {
    try (var secrets = new AwsSecretStore().open("eu-west-1", Optional.empty())) {
      assertThat(secrets).isNotNull();
    }
  }
}
