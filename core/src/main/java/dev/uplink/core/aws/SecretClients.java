package dev.uplink.core.aws;

import dev.uplink.core.config.ConfigException;
import dev.uplink.core.config.SecretReference;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * The clients of one secret store's API ({@code C}, e.g. Secrets Manager's), what every secret
 * source on AWS shares: made on the first read, one per region (an ARN may name another region),
 * with the URLConnection HTTP client and short timeouts, closed together; and every failure of a
 * read as one {@link ConfigException} line naming the variable and the secret, never its value.
 *
 * @param <C> the SDK client
 */
public final class SecretClients<C extends SdkAutoCloseable> implements AutoCloseable {

  /** Reading a secret takes milliseconds; a hung endpoint must not hold a cold start for long. */
  private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(5);

  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(15);

  private final BiFunction<String, SdkHttpClient, C> factory;
  private final Map<String, C> clients = new HashMap<>();
  private SdkHttpClient http;

  private SecretClients(BiFunction<String, SdkHttpClient, C> factory) {
    this.factory = factory;
  }

  /**
   * Clients from {@code builders} (e.g. {@code SecretsManagerClient::builder}), through {@code
   * endpoint} when present (an emulator).
   */
  public static <
          B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C extends SdkAutoCloseable>
      SecretClients<C> of(Supplier<B> builders, Optional<URI> endpoint) {
    Objects.requireNonNull(builders, "builders");
    Objects.requireNonNull(endpoint, "endpoint");
    return new SecretClients<>(
        (region, http) -> {
          B builder = builders.get();
          endpoint.ifPresent(builder::endpointOverride);
          return builder
              .region(Region.of(region))
              .httpClient(http)
              .overrideConfiguration(timeouts())
              .build();
        });
  }

  /**
   * {@code call}'s answer from the client of {@code region}, or one line naming what went wrong:
   * {@code notFound} (the store's "no such secret") as "does not exist in REGION", another refusal
   * with its error code, no answer as such.
   */
  public synchronized <T> T read(
      SecretReference reference,
      String region,
      Function<C, T> call,
      Class<? extends AwsServiceException> notFound) {
    try {
      return call.apply(clients.computeIfAbsent(region, r -> factory.apply(r, http())));
    } catch (AwsServiceException e) {
      if (notFound.isInstance(e)) {
        throw failure(reference, "does not exist in " + region, e);
      }
      String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
      throw failure(
          reference,
          "cannot be read: " + (code == null ? "" : code + ": ") + firstLine(errorMessage(e)),
          e);
    } catch (SdkException e) {
      throw failure(
          reference, "cannot be read: the store did not answer: " + firstLine(e.getMessage()), e);
    }
  }

  /** "VARIABLE: the STORE ID PROBLEM", the one line every failure to read a secret is. */
  public static ConfigException failure(
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
    clients.values().forEach(SdkAutoCloseable::close);
    clients.clear();
    if (http != null) {
      http.close();
      http = null;
    }
  }
}
