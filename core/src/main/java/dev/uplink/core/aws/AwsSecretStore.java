package dev.uplink.core.aws;

import dev.uplink.core.config.SecretReference;
import dev.uplink.core.config.SecretStore;
import java.net.URI;
import java.util.Optional;

/**
 * The {@link SecretStore} of an AWS deployment: Secrets Manager and SSM Parameter Store, through
 * {@link AwsSecretSource}. Registered in {@code META-INF/services}, where the configuration finds
 * it without depending on this package.
 */
public final class AwsSecretStore implements SecretStore {

  @Override
  public OpenSecrets open(String region, Optional<URI> endpoint) {
    AwsSecretSource source = AwsSecretSource.create(region, endpoint);
    return new OpenSecrets() {
      @Override
      public String read(SecretReference reference) {
        return source.read(reference);
      }

      @Override
      public void close() {
        source.close();
      }
    };
  }
}
