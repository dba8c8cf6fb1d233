package dev.uplink.core.config;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a secret setting is kept: a Secrets Manager secret or an SSM SecureString parameter, named
 * by its ARN ({@code arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-abc123}, {@code
 * arn:aws:ssm:REGION:ACCOUNT:parameter/NAME}) or by its name with the store in front ({@code
 * secretsmanager:NAME}, {@code ssm:/NAME}). It names a secret and never holds one, so it may be
 * logged and put in error messages.
 *
 * @param variable the environment variable that names the secret, for error messages
 * @param store where the secret is kept
 * @param id the ARN or the name, as the store's API takes it
 * @param region the region an ARN names; empty for a name (the configured region is asked)
 */
public record SecretReference(String variable, Store store, String id, Optional<String> region) {

  /** The two places a secret may be kept. */
  public enum Store {
    SECRETS_MANAGER("Secrets Manager secret", "uplink-core"),
    SSM_PARAMETER("SSM parameter", "uplink-secrets-ssm");

    private final String description;
    private final String module;

    Store(String description, String module) {
      this.description = description;
      this.module = module;
    }

    /** What the store calls one of its entries, e.g. "Secrets Manager secret". */
    public String description() {
      return description;
    }

    /** The Uplink module whose {@link SecretStore} reads these, for the message when none does. */
    public String module() {
      return module;
    }
  }

  private static final Pattern ARN =
      Pattern.compile(
          "arn:[a-z-]+:(secretsmanager|ssm):([a-z0-9-]+):[0-9]{12}:(secret:|parameter/)(.+)");

  public SecretReference {
    Objects.requireNonNull(variable, "variable");
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(region, "region");
  }

  /**
   * The secret {@code value} (of {@code variable}) names.
   *
   * @throws ConfigException naming {@code variable} and the accepted forms if {@code value} is none
   *     of them
   */
  public static SecretReference parse(String variable, String value) {
    String trimmed = value.trim();
    Matcher arn = ARN.matcher(trimmed);
    if (arn.matches()) {
      boolean secretsManager = arn.group(1).equals("secretsmanager");
      if (secretsManager == arn.group(3).equals("secret:")) {
        return new SecretReference(
            variable,
            secretsManager ? Store.SECRETS_MANAGER : Store.SSM_PARAMETER,
            trimmed,
            Optional.of(arn.group(2)));
      }
    } else if (trimmed.startsWith("secretsmanager:") && trimmed.length() > 15) {
      return new SecretReference(
          variable, Store.SECRETS_MANAGER, trimmed.substring(15), Optional.empty());
    } else if (trimmed.startsWith("ssm:") && trimmed.length() > 4) {
      return new SecretReference(
          variable, Store.SSM_PARAMETER, trimmed.substring(4), Optional.empty());
    }
    throw new ConfigException(
        ("%s must name a Secrets Manager secret (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME"
                + " or secretsmanager:NAME) or an SSM SecureString parameter"
                + " (arn:aws:ssm:REGION:ACCOUNT:parameter/NAME or ssm:NAME), got '%s'")
            .formatted(variable, trimmed));
  }

  /** E.g. "Secrets Manager secret arn:aws:secretsmanager:…"; for messages and logs. */
  public String describe() {
    return store.description() + " " + id;
  }
}
