package dev.uplink.core.aws;

import dev.uplink.core.config.SecretReference;
import dev.uplink.core.config.SecretStore;
import java.net.URI;
import java.util.Optional;
import java.util.Set;

/**
 * The {@link SecretStore} for Secrets Manager secrets, through {@link SecretsManagerSource}.
 * Registered in {@code META-INF/services}, where the configuration finds it without depending on
 * this package.
 */
public final class SecretsManagerStore implements SecretStore {

  @Override
  public Set<SecretReference.Store> reads() {
    return Set.of(SecretReference.Store.SECRETS_MANAGER);
  }

  @Override
  public OpenSecrets open(String region, Optional<URI> endpoint) {
    return SecretsManagerSource.create(region, endpoint);
  }
}
