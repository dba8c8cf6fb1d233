package dev.uplink.api.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Maps {@code Authorization: Bearer <key>} to the key's owner. Keys are compared as SHA-256 digests
 * with {@link MessageDigest#isEqual} against every configured key, without early exit, so the time
 * taken says nothing about how close a guess was. Keys are never logged.
 */
final class ApiKeyAuthenticator {

  private static final String SCHEME = "bearer ";

  private record Credential(byte[] keyDigest, String owner) {}

  private final List<Credential> credentials;

  ApiKeyAuthenticator(Map<String, String> apiKeysToOwners) {
    this.credentials =
        apiKeysToOwners.entrySet().stream()
            .map(e -> new Credential(digest(e.getKey()), e.getValue()))
            .toList();
    for (var credential : credentials) {
      if (credential.owner() == null || credential.owner().isBlank()) {
        throw new IllegalArgumentException("every API key needs a non-blank owner");
      }
    }
  }

  /** Whether the header is there at all (to tell "no key" from "wrong key"). */
  static boolean presentsKey(String authorization) {
    return authorization != null && !authorization.isBlank();
  }

  /** The owner of the presented key, or empty when the header is missing, malformed or wrong. */
  Optional<String> ownerOf(String authorization) {
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
    String owner = null;
    for (var credential : credentials) {
      if (MessageDigest.isEqual(credential.keyDigest(), presented)) {
        owner = credential.owner();
      }
    }
    return Optional.ofNullable(owner);
  }

  private static byte[] digest(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides SHA-256", e);
    }
  }
}
