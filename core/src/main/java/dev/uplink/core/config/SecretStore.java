package dev.uplink.core.config;

import java.net.URI;
import java.util.Optional;

/**
 * The store that {@code *_SECRET} variables name secrets in, opened to read the configuration and
 * closed after. {@link UplinkConfig#fromEnvironment(java.util.Map)} finds it with {@link
 * java.util.ServiceLoader}: core's AWS adapter registers Secrets Manager and SSM ({@code
 * dev.uplink.core.aws.AwsSecretStore}), so that reading settings depends on no adapter.
 */
public interface SecretStore {

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

  /** No store: naming a secret is an error ({@link SecretSource#none()}). */
  static SecretStore none() {
    return (region, endpoint) ->
        new OpenSecrets() {
          @Override
          public String read(SecretReference reference) {
            return SecretSource.none().read(reference);
          }

          @Override
          public void close() {}
        };
  }
}
