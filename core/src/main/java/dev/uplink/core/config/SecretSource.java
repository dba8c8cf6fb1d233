package dev.uplink.core.config;

/**
 * Reads the secrets that settings name ({@code UPLINK_API_KEYS_SECRET}, {@code
 * UPLINK_INCUS_KEY_SECRET}, ...) when the configuration is read, once, at start.
 */
@FunctionalInterface
public interface SecretSource {

  /**
   * The text of the secret {@code reference} names.
   *
   * @throws ConfigException one line naming the variable and the secret (never its value) if the
   *     secret is missing, unreadable, or not stored as an encrypted text value
   */
  String read(SecretReference reference);

  /** For configurations that must not name secrets: every reference is an error. */
  static SecretSource none() {
    return reference -> {
      throw new ConfigException(
          reference.variable() + " names a secret, but no secret store is available here");
    };
  }
}
