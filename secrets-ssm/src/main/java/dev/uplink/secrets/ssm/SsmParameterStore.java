package dev.uplink.secrets.ssm;

import dev.uplink.core.config.SecretReference;
import dev.uplink.core.config.SecretStore;
import java.net.URI;
import java.util.Optional;
import java.util.Set;

/**
 * The {@link SecretStore} for SSM SecureString parameters ({@code ssm:NAME}, {@code
 * arn:aws:ssm:...:parameter/NAME}), through {@link SsmParameterSource}. Registered in {@code
 * META-INF/services}: where this module's jar is on the class path (uplink.jar; a Lambda function
 * with the SSM secrets layer), the configuration reads SSM parameters beside Secrets Manager
 * secrets.
 */
public final class SsmParameterStore implements SecretStore {

  @Override
  public Set<SecretReference.Store> reads() {
    return Set.of(SecretReference.Store.SSM_PARAMETER);
  }

  @Override
  public OpenSecrets open(String region, Optional<URI> endpoint) {
    return SsmParameterSource.create(region, endpoint);
  }
}
