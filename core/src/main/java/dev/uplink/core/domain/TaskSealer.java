package dev.uplink.core.domain;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals what the upload API accepted, so that the processor can tell a task it may push from one
 * somebody rewrote in the task table.
 *
 * <p>The seal is an HMAC-SHA256, under a key only the API and the processor hold, over the fields
 * that decide which bytes go where: the task id, owner, remote, project, instance, path, mode, uid,
 * gid, object key, size and SHA-256. Whoever can write the table but does not hold the key cannot
 * change any of them (redirect a file into another instance or path, give it another mode or owner,
 * swap its bytes for another object's), nor copy a seal from one task to another (the id is
 * sealed), without the seal failing. It does not cover the status, attempts, lease, timeline or
 * progress, which the workers change as they go: a rewrite of those can delay, repeat or fail a
 * task, never send its file anywhere else.
 *
 * <h2>Encoding</h2>
 *
 * The sealed bytes are unambiguous: a context string, then every field in a fixed order, each text
 * as its UTF-8 length (4 bytes, big-endian) followed by its bytes, each number as 8 bytes
 * big-endian. The remote and project are written (after the text {@code @}, which no instance name
 * can be) only when either is not the default, so seals made before they existed still verify. No
 * choice of field values can make two different tasks encode alike. A seal reads {@code v1.}
 * followed by the 32-byte MAC in unpadded base64url.
 *
 * <h2>Rotation</h2>
 *
 * New seals are made with the current key; {@link #verify} accepts the current key and, when one is
 * given, the previous one, so that tasks sealed before a rotation still verify.
 */
public final class TaskSealer {

  /** The fewest bytes a key may have: as many as the MAC's output. */
  public static final int MIN_KEY_BYTES = 32;

  private static final String VERSION = "v1";
  private static final String PREFIX = VERSION + ".";
  private static final String CONTEXT = "uplink task seal v1";
  private static final String ALGORITHM = "HmacSHA256";

  private final SecretKeySpec key;
  private final Optional<SecretKeySpec> previousKey;

  private TaskSealer(SecretKeySpec key, Optional<SecretKeySpec> previousKey) {
    this.key = key;
    this.previousKey = previousKey;
  }

  /**
   * A sealer with {@code key} (the UTF-8 bytes of the text are the HMAC key), also accepting seals
   * made with {@code previousKey}.
   *
   * @throws IllegalArgumentException if a key has fewer than {@value #MIN_KEY_BYTES} bytes, or the
   *     previous key is the current one
   */
  public static TaskSealer of(String key, Optional<String> previousKey) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(previousKey, "previousKey");
    if (previousKey.filter(key::equals).isPresent()) {
      throw new IllegalArgumentException("the previous seal key is the current one");
    }
    return new TaskSealer(
        secret(key, "the seal key"), previousKey.map(k -> secret(k, "the previous seal key")));
  }

  /** A sealer with {@code key} alone. */
  public static TaskSealer of(String key) {
    return of(key, Optional.empty());
  }

  private static SecretKeySpec secret(String key, String what) {
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    if (bytes.length < MIN_KEY_BYTES) {
      throw new IllegalArgumentException(
          "%s must have at least %d bytes (e.g. openssl rand -hex 32), got %d"
              .formatted(what, MIN_KEY_BYTES, bytes.length));
    }
    return new SecretKeySpec(bytes, ALGORITHM);
  }

  /** Whether seals made with a previous key are still accepted. */
  public boolean acceptsPreviousKey() {
    return previousKey.isPresent();
  }

  /** {@code task} with its seal under the current key (replacing any it had). */
  public UploadTask seal(UploadTask task) {
    return task.withSeal(sealOf(task, key));
  }

  /** What {@link #verify} found. */
  public enum Verdict {
    /** Sealed with the current key: the sealed fields are as the API accepted them. */
    VALID,
    /** Sealed with the previous key: as {@link #VALID}, from before the last rotation. */
    VALID_UNDER_PREVIOUS_KEY,
    /** The task carries no seal. */
    MISSING,
    /** The seal is not one of ours, or a sealed field was changed after sealing. */
    BROKEN;

    /** Whether the task may be processed. */
    public boolean valid() {
      return this == VALID || this == VALID_UNDER_PREVIOUS_KEY;
    }
  }

  /** Checks the task's seal against its fields, in constant time per key. */
  public Verdict verify(UploadTask task) {
    Optional<String> seal = task.seal();
    if (seal.isEmpty()) {
      return Verdict.MISSING;
    }
    byte[] presented = decode(seal.get());
    if (presented == null) {
      return Verdict.BROKEN;
    }
    byte[] fields = canonical(task);
    if (MessageDigest.isEqual(presented, mac(key, fields))) {
      return Verdict.VALID;
    }
    if (previousKey.isPresent()
        && MessageDigest.isEqual(presented, mac(previousKey.get(), fields))) {
      return Verdict.VALID_UNDER_PREVIOUS_KEY;
    }
    return Verdict.BROKEN;
  }

  private static String sealOf(UploadTask task, SecretKeySpec key) {
    return PREFIX
        + Base64.getUrlEncoder().withoutPadding().encodeToString(mac(key, canonical(task)));
  }

  /** The MAC a seal carries, or null if it is not a well-formed seal of this version. */
  private static byte[] decode(String seal) {
    if (!seal.startsWith(PREFIX)) {
      return null;
    }
    try {
      byte[] mac = Base64.getUrlDecoder().decode(seal.substring(PREFIX.length()));
      return mac.length == 32 ? mac : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The sealed fields, encoded as the class comment says. */
  static byte[] canonical(UploadTask task) {
    var bytes = new ByteArrayOutputStream(256);
    try (var out = new DataOutputStream(bytes)) {
      text(out, CONTEXT);
      text(out, task.id().value());
      text(out, task.owner());
      Destination destination = task.destination();
      if (!destination.onDefaultRemote()
          || !destination.project().equals(Destination.DEFAULT_PROJECT)) {
        // Only when not the defaults, so that tasks sealed before remotes and projects existed
        // (which went to the default ones) still verify. "@" is no instance name, so the two
        // encodings never meet.
        text(out, "@");
        text(out, destination.remote());
        text(out, destination.project());
      }
      text(out, destination.instance());
      text(out, destination.path());
      out.writeLong(destination.mode());
      out.writeLong(destination.uid());
      out.writeLong(destination.gid());
      text(out, task.objectKey());
      out.writeLong(task.size());
      text(out, task.sha256());
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory cannot fail", e);
    }
    return bytes.toByteArray();
  }

  private static void text(DataOutputStream out, String value) throws IOException {
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    out.writeInt(utf8.length);
    out.write(utf8);
  }

  private static byte[] mac(SecretKeySpec key, byte[] fields) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      return mac.doFinal(fields);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("every JDK provides " + ALGORITHM, e);
    }
  }

  /** Never shows a key. */
  @Override
  public String toString() {
    return previousKey.isPresent() ? "TaskSealer[current and previous key]" : "TaskSealer[one key]";
  }
}
