package dev.uplink.api.http;

import dev.uplink.core.domain.Caller;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Maps {@code Authorization: Bearer <key>} to the caller the key speaks for. Keys are compared as
 * SHA-256 digests with {@link MessageDigest#isEqual} against every configured key, without early
 * exit, so the time taken says nothing about how close a guess was. Keys are never logged.
 */
final class ApiKeyAuthenticator {

  private static final String SCHEME = "bearer ";

  private record Credential(byte[] keyDigest, Caller caller) {}

  private final List<Credential> credentials;

  ApiKeyAuthenticator(Map<String, Caller> callers) {
    this.credentials =
        callers.entrySet().stream()
            .map(e -> new Credential(digest(e.getKey()), e.getValue()))
            .toList();
  }

  /** Whether the header is there at all (to tell "no key" from "wrong key"). */
  static boolean presentsKey(String authorization) {
    return authorization != null && !authorization.isBlank();
  }

  /** Who the presented key speaks for; empty when the header is missing, malformed or wrong. */
  Optional<Caller> callerOf(String authorization) {
    if (authorization == null) {
      return Optional.empty();
    }
    String header = authorization.strip();
    if (header.length() <= SCHEME.length()
        || !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      return Optional.empty();
    }
    String key = header.substring(SCHEME.length()).strip();
    if (key.isEmpty()) {
      return Optional.empty();
    }
    byte[] presented = digest(key);
    Caller caller = null;
    for (var credential : credentials) {
      if (MessageDigest.isEqual(credential.keyDigest(), presented)) {
        caller = credential.caller();
      }
    }
    return Optional.ofNullable(caller);
  }

  private static byte[] digest(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides SHA-256", e);
    }
  }
}
