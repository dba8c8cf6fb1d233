package dev.uplink.core.config;

import java.net.URI;
import java.util.Optional;
import java.util.Set;

/**
 * A store that {@code *_SECRET} variables name secrets in, opened to read the configuration and
 * closed after. {@link UplinkConfig#fromEnvironment(java.util.Map)} finds every store on the class
 * path with {@link java.util.ServiceLoader} ({@link SecretStores}), so that reading settings
 * depends on no adapter: core registers Secrets Manager ({@code
 * dev.uplink.core.aws.SecretsManagerStore}), the {@code uplink-secrets-ssm} module SSM Parameter
 * Store, carried only where it is needed (its SDK client would be a third of a Lambda package).
 */
public interface SecretStore {

  /** The kinds of secret references this store reads. */
  Set<SecretReference.Store> reads();

  /**
   * The secrets of {@code region} (or of the region a reference names), through {@code endpoint}
   * when present (an emulator). Nothing is asked of the store until a secret is read.
   */
  OpenSecrets open(String region, Optional<URI> endpoint);

  /** A {@link SecretSource} that holds connections until it is closed. */
  interface OpenSecrets extends SecretSource, AutoCloseable {
    @Override
    void close();
  }
}
