package dev.uplink.core.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The environment variables settings are read from, and the secrets their {@code *_SECRET}
 * variables name: the one place that looks a variable up. A blank variable counts as unset.
 */
final class Environment {

  /**
   * A secret setting {@code X} may instead be read from the secret {@code X_SECRET} names (an ARN,
   * or {@code secretsmanager:NAME} / {@code ssm:NAME}).
   */
  static final String SECRET_SUFFIX = "_SECRET";

  private final Map<String, String> variables;
  private final SecretSource secrets;

  Environment(Map<String, String> variables, SecretSource secrets) {
    // Not copied: Map.copyOf refuses null values, which a caller's map may hold for unset ones.
    this.variables = Objects.requireNonNull(variables, "variables");
    this.secrets = Objects.requireNonNull(secrets, "secrets");
  }

  /** No variable set, no secret store: every setting at its default. */
  static Environment empty() {
    return new Environment(Map.of(), SecretSource.none());
  }

  /**
   * The value of {@code setting}, or its fallback when unset.
   *
   * @throws ConfigException if the variable's text is refused
   * @throws IllegalStateException if it is unset and has no fallback (a setting declared wrongly)
   */
  <T> T read(Setting<T> setting) {
    return find(setting)
        .or(setting::fallback)
        .orElseThrow(() -> new IllegalStateException(setting.name() + " has no default; use find"));
  }

  /**
   * The value of {@code setting}; empty when its variable is unset (its fallback is not used).
   *
   * @throws ConfigException if the variable's text is refused
   */
  <T> Optional<T> find(Setting<T> setting) {
    return text(setting.name()).map(setting::parse);
  }

  /**
   * The value of {@code name}, or the text of the secret {@code name_SECRET} names (read now);
   * empty when neither is set. Both set is an error: which one wins would be a guess.
   */
  Optional<String> sensitive(String name) {
    return secretReference(name).map(secrets::read).or(() -> text(name));
  }

  /**
   * The PEM file {@code name} names, or the PEM text of the secret {@code name_SECRET} names.
   *
   * @param requiredBecause why it must be set, for the error when neither is
   */
  PemSource pem(String name, String requiredBecause) {
    Optional<SecretReference> secret = secretReference(name);
    if (secret.isPresent()) {
      return PemSource.secret(secret.get().describe(), secrets.read(secret.get()));
    }
    return PemSource.file(
        Path.of(
            text(name)
                .orElseThrow(
                    () ->
                        new ConfigException(
                            "%s (a PEM file) or %s%s (a secret holding the PEM) is required %s"
                                .formatted(name, name, SECRET_SUFFIX, requiredBecause)))));
  }

  /**
   * The text of the secret {@code name_SECRET} names (read now); empty when that is unset. For a
   * setting whose plain variable means something else (a file's path) than its secret (the file's
   * text).
   */
  Optional<String> secretText(String name) {
    return text(name + SECRET_SUFFIX)
        .map(text -> secrets.read(SecretReference.parse(name + SECRET_SUFFIX, text)));
  }

  /** The names of the set (non-blank) variables that start with {@code prefix}. */
  java.util.Set<String> namesStartingWith(String prefix) {
    var names = new java.util.TreeSet<String>();
    variables.forEach(
        (name, value) -> {
          if (name.startsWith(prefix) && value != null && !value.isBlank()) {
            names.add(name);
          }
        });
    return names;
  }

  /**
   * These variables and {@code more} ({@code origin}'s, e.g. a file's), with the same secrets. A
   * variable set in both is an error: which one wins would be a guess.
   */
  Environment with(Map<String, String> more, String origin) {
    var all = new java.util.HashMap<String, String>();
    variables.forEach(
        (name, value) -> {
          if (value != null) {
            all.put(name, value);
          }
        });
    more.forEach(
        (name, value) -> {
          if (text(name).isPresent()) {
            throw new ConfigException(
                "%s is set both in the environment and in %s: set it in one"
                    .formatted(name, origin));
          }
          all.put(name, value);
        });
    return new Environment(all, secrets);
  }

  private Optional<String> text(String name) {
    String value = variables.get(name);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  private Optional<SecretReference> secretReference(String name) {
    Optional<String> reference = text(name + SECRET_SUFFIX);
    if (reference.isPresent() && text(name).isPresent()) {
      throw new ConfigException(
          "%s and %s%s are both set: set one (the secret, in production)"
              .formatted(name, name, SECRET_SUFFIX));
    }
    return reference.map(text -> SecretReference.parse(name + SECRET_SUFFIX, text));
  }
}
