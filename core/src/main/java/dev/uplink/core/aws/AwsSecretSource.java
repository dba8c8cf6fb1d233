package dev.uplink.core.aws;

import dev.uplink.core.config.ConfigException;
import dev.uplink.core.config.SecretReference;
import dev.uplink.core.config.SecretSource;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.Parameter;
import software.amazon.awssdk.services.ssm.model.ParameterNotFoundException;
import software.amazon.awssdk.services.ssm.model.ParameterType;

/**
 * {@link SecretSource} on AWS: {@code GetSecretValue} for a Secrets Manager secret, {@code
 * GetParameter} with decryption for an SSM SecureString parameter. These are the only two calls, so
 * a function's role needs exactly {@code secretsmanager:GetSecretValue} / {@code ssm:GetParameter}
 * on the secrets it names (and {@code kms:Decrypt} when a customer-managed key encrypts them).
 *
 * <p>Clients are made on the first read (none when the configuration names no secret), one per
 * region (an ARN may name another region), and closed with this source: secrets are read once, at
 * start. Every failure is one {@link ConfigException} line naming the variable and the secret and
 * what went wrong; no secret value is ever part of a message or a log line.
 */
public final class AwsSecretSource implements SecretSource, AutoCloseable {

  /** Reading a secret takes milliseconds; a hung endpoint must not hold a cold start for long. */
  private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(5);

  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(15);

  private final String defaultRegion;
  private final Optional<URI> endpoint;
  private final Map<String, SecretsManagerClient> secretsManagers = new HashMap<>();
  private final Map<String, SsmClient> parameterStores = new HashMap<>();
  private SdkHttpClient http;

  private AwsSecretSource(String defaultRegion, Optional<URI> endpoint) {
    this.defaultRegion = Objects.requireNonNull(defaultRegion, "defaultRegion");
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
  }

  /**
   * Reads secrets in {@code defaultRegion} (or the region a secret's ARN names), through {@code
   * endpoint} when present (an emulator serving both Secrets Manager and SSM).
   */
  public static AwsSecretSource create(String defaultRegion, Optional<URI> endpoint) {
    return new AwsSecretSource(defaultRegion, endpoint);
  }

  @Override
  public synchronized String read(SecretReference reference) {
    Objects.requireNonNull(reference, "reference");
    String region = reference.region().orElse(defaultRegion);
    String value;
    try {
      value =
          switch (reference.store()) {
            case SECRETS_MANAGER -> secretString(reference, region);
            case SSM_PARAMETER -> secureString(reference, region);
          };
    } catch (ResourceNotFoundException | ParameterNotFoundException e) {
      throw failure(reference, "does not exist in " + region, e);
    } catch (AwsServiceException e) {
      String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
      throw failure(
          reference,
          "cannot be read: " + (code == null ? "" : code + ": ") + firstLine(errorMessage(e)),
          e);
    } catch (SdkException e) {
      throw failure(
          reference, "cannot be read: the store did not answer: " + firstLine(e.getMessage()), e);
    }
    if (value.isBlank()) {
      throw failure(reference, "is empty", null);
    }
    return value;
  }

  private String secretString(SecretReference reference, String region) {
    GetSecretValueResponse response =
        secretsManager(region).getSecretValue(r -> r.secretId(reference.id()));
    if (response.secretString() == null) {
      throw failure(
          reference,
          "holds binary data; store the text as the secret's string"
              + " (aws secretsmanager put-secret-value --secret-string file://FILE)",
          null);
    }
    return response.secretString();
  }

  private String secureString(SecretReference reference, String region) {
    Parameter parameter =
        parameterStore(region)
            .getParameter(r -> r.name(reference.id()).withDecryption(true))
            .parameter();
    if (parameter.type() != ParameterType.SECURE_STRING) {
      // A plain String parameter is readable by anyone who may describe parameters, and shown in
      // the console: secrets must be SecureString.
      throw failure(
          reference,
          "is a "
              + parameter.typeAsString()
              + " parameter, not a SecureString; store it encrypted"
              + " (aws ssm put-parameter --type SecureString --overwrite ...)",
          null);
    }
    return parameter.value();
  }

  private static ConfigException failure(
      SecretReference reference, String problem, Throwable cause) {
    return new ConfigException(
        reference.variable() + ": the " + reference.describe() + " " + problem, cause);
  }

  private static String errorMessage(AwsServiceException e) {
    return e.awsErrorDetails() != null && e.awsErrorDetails().errorMessage() != null
        ? e.awsErrorDetails().errorMessage()
        : e.getMessage();
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int end = message.indexOf('\n');
    return (end < 0 ? message : message.substring(0, end)).strip();
  }

  private SecretsManagerClient secretsManager(String region) {
    return secretsManagers.computeIfAbsent(region, r -> build(SecretsManagerClient.builder(), r));
  }

  private SsmClient parameterStore(String region) {
    return parameterStores.computeIfAbsent(region, r -> build(SsmClient.builder(), r));
  }

  private <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C build(
      B builder, String region) {
    endpoint.ifPresent(builder::endpointOverride);
    return builder
        .region(Region.of(region))
        .httpClient(http())
        .overrideConfiguration(timeouts())
        .build();
  }

  private SdkHttpClient http() {
    if (http == null) {
      http =
          UrlConnectionHttpClient.builder()
              .connectionTimeout(Duration.ofSeconds(5))
              .socketTimeout(Duration.ofSeconds(10))
              .build();
    }
    return http;
  }

  private static ClientOverrideConfiguration timeouts() {
    return ClientOverrideConfiguration.builder()
        .apiCallAttemptTimeout(ATTEMPT_TIMEOUT)
        .apiCallTimeout(CALL_TIMEOUT)
        .build();
  }

  @Override
  public synchronized void close() {
    secretsManagers.values().forEach(SecretsManagerClient::close);
    parameterStores.values().forEach(SsmClient::close);
    secretsManagers.clear();
    parameterStores.clear();
    if (http != null) {
      http.close();
      http = null;
    }
  }
}
