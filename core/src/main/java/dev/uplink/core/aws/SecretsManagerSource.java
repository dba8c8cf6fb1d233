package dev.uplink.core.aws;

import dev.uplink.core.config.SecretReference;
import dev.uplink.core.config.SecretSource;
import dev.uplink.core.config.SecretStore;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * {@link SecretSource} for Secrets Manager secrets: {@code GetSecretValue}, the only call, so a
 * function's role needs exactly {@code secretsmanager:GetSecretValue} on the secrets it names (and
 * {@code kms:Decrypt} when a customer-managed key encrypts them). SSM parameters are read by the
 * {@code uplink-secrets-ssm} module, which only the packages that need it carry (its SDK client is
 * eight times the size of this one).
 *
 * <p>Secrets are read once, at start; every failure is one line naming the variable and the secret
 * ({@link SecretClients}); no secret value is ever part of a message or a log line.
 */
public final class SecretsManagerSource implements SecretStore.OpenSecrets {

  private final String defaultRegion;
  private final SecretClients<SecretsManagerClient> clients;

  private SecretsManagerSource(String defaultRegion, Optional<URI> endpoint) {
    this.defaultRegion = Objects.requireNonNull(defaultRegion, "defaultRegion");
    this.clients = SecretClients.of(SecretsManagerClient::builder, endpoint);
  }

  /**
   * Reads secrets in {@code defaultRegion} (or the region a secret's ARN names), through {@code
   * endpoint} when present (an emulator).
   */
  public static SecretsManagerSource create(String defaultRegion, Optional<URI> endpoint) {
    return new SecretsManagerSource(defaultRegion, endpoint);
  }

  @Override
  public String read(SecretReference reference) {
    Objects.requireNonNull(reference, "reference");
    if (reference.store() != SecretReference.Store.SECRETS_MANAGER) {
      throw new IllegalArgumentException("not a Secrets Manager secret: " + reference.describe());
    }
    String region = reference.region().orElse(defaultRegion);
    GetSecretValueResponse response =
        clients.read(
            reference,
            region,
            client -> client.getSecretValue(r -> r.secretId(reference.id())),
            ResourceNotFoundException.class);
    if (response.secretString() == null) {
      throw SecretClients.failure(
          reference,
          "holds binary data; store the text as the secret's string"
              + " (aws secretsmanager put-secret-value --secret-string file://FILE)",
          null);
    }
    if (response.secretString().isBlank()) {
      throw SecretClients.failure(reference, "is empty", null);
    }
    return response.secretString();
  }

  @Override
  public void close() {
    clients.close();
  }
}
