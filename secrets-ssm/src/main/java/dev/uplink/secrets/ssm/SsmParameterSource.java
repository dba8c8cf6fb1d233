package dev.uplink.secrets.ssm;

import dev.uplink.core.aws.SecretClients;
import dev.uplink.core.config.SecretReference;
import dev.uplink.core.config.SecretSource;
import dev.uplink.core.config.SecretStore;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.Parameter;
import software.amazon.awssdk.services.ssm.model.ParameterNotFoundException;
import software.amazon.awssdk.services.ssm.model.ParameterType;

/**
 * {@link SecretSource} for SSM SecureString parameters: {@code GetParameter} with decryption, the
 * only call, so a role needs exactly {@code ssm:GetParameter} on the parameters it names (and
 * {@code kms:Decrypt} when a customer-managed key encrypts them). A plain String parameter is
 * refused: it is readable by anyone who may describe parameters, and shown in the console.
 *
 * <p>Parameters are read once, at start; every failure is one line naming the variable and the
 * parameter ({@link SecretClients}); no value is ever part of a message or a log line.
 */
public final class SsmParameterSource implements SecretStore.OpenSecrets {

  private final String defaultRegion;
  private final SecretClients<SsmClient> clients;

  private SsmParameterSource(String defaultRegion, Optional<URI> endpoint) {
    this.defaultRegion = Objects.requireNonNull(defaultRegion, "defaultRegion");
    this.clients = SecretClients.of(SsmClient::builder, endpoint);
  }

  /**
   * Reads parameters in {@code defaultRegion} (or the region a parameter's ARN names), through
   * {@code endpoint} when present (an emulator).
   */
  public static SsmParameterSource create(String defaultRegion, Optional<URI> endpoint) {
    return new SsmParameterSource(defaultRegion, endpoint);
  }

  @Override
  public String read(SecretReference reference) {
    Objects.requireNonNull(reference, "reference");
    if (reference.store() != SecretReference.Store.SSM_PARAMETER) {
      throw new IllegalArgumentException("not an SSM parameter: " + reference.describe());
    }
    Parameter parameter =
        clients.read(
            reference,
            reference.region().orElse(defaultRegion),
            client ->
                client.getParameter(r -> r.name(reference.id()).withDecryption(true)).parameter(),
            ParameterNotFoundException.class);
    if (parameter.type() != ParameterType.SECURE_STRING) {
      throw SecretClients.failure(
          reference,
          "is a "
              + parameter.typeAsString()
              + " parameter, not a SecureString; store it encrypted"
              + " (aws ssm put-parameter --type SecureString --overwrite ...)",
          null);
    }
    if (parameter.value().isBlank()) {
      throw SecretClients.failure(reference, "is empty", null);
    }
    return parameter.value();
  }

  @Override
  public void close() {
    clients.close();
  }
}
