package dev.uplink.core.config;

import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.DestinationPolicy;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code UPLINK_API_KEYS} ({@code key=owner@grants,...}) and {@code UPLINK_OPERATOR_KEYS} ({@code
 * key=operator-name,...}): every key with the caller it speaks for. Either may come from a secret
 * ({@code *_SECRET}).
 */
final class ApiKeys {

  static final String USER_KEYS = "UPLINK_API_KEYS";
  static final String OPERATOR_KEYS = "UPLINK_OPERATOR_KEYS";

  private ApiKeys() {}

  /** The users' and the operators' keys in one map; a key may not be both. */
  static Map<String, Caller> read(Environment env) {
    String userKeys = env.sensitive(USER_KEYS).orElse("");
    String operatorKeys = env.sensitive(OPERATOR_KEYS).orElse("");
    var callers = new LinkedHashMap<String, Caller>(users(userKeys));
    operators(operatorKeys)
        .forEach(
            (key, operator) -> {
              if (callers.putIfAbsent(key, operator) != null) {
                throw new ConfigException(
                    OPERATOR_KEYS
                        + ": the key of operator "
                        + operator.owner()
                        + " is also in "
                        + USER_KEYS
                        + "; give operators keys of their own");
              }
            });
    return callers;
  }

  static Map<String, Caller> operators(String spec) {
    var keys = new LinkedHashMap<String, Caller>();
    entries(OPERATOR_KEYS, spec, "key=operator-name")
        .forEach((key, name) -> keys.put(key, Caller.operator(name)));
    return keys;
  }

  static Map<String, Caller> users(String spec) {
    var keys = new LinkedHashMap<String, Caller>();
    entries(USER_KEYS, spec, "key=owner@grants")
        .forEach((key, grant) -> keys.put(key, user(grant)));
    return keys;
  }

  /** {@code owner@grants}: the owner and the destinations its key may send to. */
  private static Caller user(String grant) {
    int at = grant.indexOf('@');
    String owner = (at < 0 ? grant : grant.substring(0, at)).trim();
    if (owner.isEmpty()) {
      throw new ConfigException(
          USER_KEYS + " must be a comma-separated list of key=owner@grants entries");
    }
    if (at < 0) {
      throw new ConfigException(
          ("%s: the key of %s names no destinations; write key=%s@web-*:/srv/uploads/ (instance"
                  + " pattern:path prefix, several joined by |), or @*:*/*:/ for all")
              .formatted(USER_KEYS, owner, owner));
    }
    try {
      return new Caller(owner, DestinationPolicy.parse(grant.substring(at + 1)));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(USER_KEYS + ": the key of " + owner + ": " + e.getMessage(), e);
    }
  }

  /**
   * The {@code key=value} entries of the comma-separated {@code spec} of {@code variable}, in
   * order.
   *
   * @throws ConfigException naming {@code format} if an entry lacks a key or a value, or if a key
   *     is listed twice
   */
  private static Map<String, String> entries(String variable, String spec, String format) {
    var entries = new LinkedHashMap<String, String>();
    for (String entry : spec.split(",")) {
      if (entry.isBlank()) {
        continue;
      }
      int eq = entry.indexOf('=');
      String key = eq < 0 ? "" : entry.substring(0, eq).trim();
      String value = eq < 0 ? "" : entry.substring(eq + 1).trim();
      if (key.isEmpty() || value.isEmpty()) {
        throw new ConfigException(
            variable + " must be a comma-separated list of " + format + " entries");
      }
      if (entries.putIfAbsent(key, value) != null) {
        throw new ConfigException(variable + " lists the same key twice");
      }
    }
    return entries;
  }
}
