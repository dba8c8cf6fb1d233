package dev.uplink.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SecretStoresTest {

  /** A store that answers "KIND:ID" for its kind and records what happened to it. */
  private static final class RecordingStore implements SecretStore {
    private final SecretReference.Store kind;
    final List<String> events = new ArrayList<>();

    RecordingStore(SecretReference.Store kind) {
      this.kind = kind;
    }

    @Override
    public Set<SecretReference.Store> reads() {
      return Set.of(kind);
    }

    @Override
    public OpenSecrets open(String region, Optional<URI> endpoint) {
      events.add("open " + region);
      return new OpenSecrets() {
        @Override
        public String read(SecretReference reference) {
          events.add("read " + reference.id());
          return kind + ":" + reference.id();
        }

        @Override
        public void close() {
          events.add("close");
        }
      };
    }
  }

  private static SecretReference ssm(String name) {
    return SecretReference.parse("UPLINK_INCUS_KEY_SECRET", "ssm:" + name);
  }

  private static SecretReference secretsManager(String name) {
    return SecretReference.parse("UPLINK_API_KEYS_SECRET", "secretsmanager:" + name);
  }

  @Test
  @DisplayName("Each reference is read by the store of its kind, and closing closes every store")
  void eachReferenceGoesToTheStoreOfItsKind() {
    var manager = new RecordingStore(SecretReference.Store.SECRETS_MANAGER);
    var parameters = new RecordingStore(SecretReference.Store.SSM_PARAMETER);
    var stores = new SecretStores(List.of(manager, parameters));

    try (var secrets = stores.open("eu-west-1", Optional.empty())) {
      assertThat(secrets.read(secretsManager("api-keys"))).isEqualTo("SECRETS_MANAGER:api-keys");
      assertThat(secrets.read(ssm("/incus/key"))).isEqualTo("SSM_PARAMETER:/incus/key");
    }

    assertThat(stores.reads())
        .containsExactlyInAnyOrder(
            SecretReference.Store.SECRETS_MANAGER, SecretReference.Store.SSM_PARAMETER);
    assertThat(manager.events).containsExactly("open eu-west-1", "read api-keys", "close");
    assertThat(parameters.events).containsExactly("open eu-west-1", "read /incus/key", "close");
  }

  @Test
  @DisplayName(
      "A kind no store reads is one line naming the variable, the secret and the module missing")
  void aKindNoStoreReadsNamesTheModuleMissing() {
    var stores =
        new SecretStores(List.of(new RecordingStore(SecretReference.Store.SECRETS_MANAGER)));

    try (var secrets = stores.open("eu-west-1", Optional.empty())) {
      assertThatThrownBy(() -> secrets.read(ssm("/incus/key")))
          .isInstanceOf(ConfigException.class)
          .hasMessage(
              "UPLINK_INCUS_KEY_SECRET names the SSM parameter /incus/key, but nothing here reads"
                  + " SSM parameters: that needs uplink-secrets-ssm on the class path");
    }
  }

  @Test
  @DisplayName("Without any store, a configuration that names no secret reads as before")
  void withoutAnyStoreNothingIsAskedUntilASecretIsNamed() {
    var stores = new SecretStores(List.of());

    try (var secrets = stores.open("eu-west-1", Optional.empty())) {
      assertThatThrownBy(() -> secrets.read(secretsManager("api-keys")))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("that needs uplink-core on the class path");
    }
  }
}
