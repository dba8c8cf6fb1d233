package dev.uplink.core.config;

/** A setting is missing or malformed; the message names the variable and says what it expects. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }

  /** With the error that made the setting unusable (an unreachable secret store, say). */
  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
