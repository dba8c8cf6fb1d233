package dev.uplink.api.fakes;

import dev.uplink.core.domain.ObjectMissingException;
import dev.uplink.core.domain.ObjectStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An object store that streams like the real one: it reads in fixed-size chunks, counts and hashes
 * the bytes, and keeps the content only of small objects (up to {@link #RETAINED_BYTES}) so tests
 * can read those back. A failed put leaves nothing behind, as the port requires.
 */
public final class StreamingObjectStore implements ObjectStore {

  public static final int RETAINED_BYTES = 1024 * 1024;
  private static final int CHUNK = 64 * 1024;

  /** What a put stored. {@code content} is empty for objects larger than the retention limit. */
  public record Stored(long size, String sha256, Optional<byte[]> content, boolean virtualThread) {}

  private final Map<String, Stored> objects = new ConcurrentHashMap<>();
  private final List<String> deleted = new CopyOnWriteArrayList<>();
  private final AtomicInteger putsStarted = new AtomicInteger();
  private final AtomicInteger putsFailed = new AtomicInteger();
  private volatile RuntimeException putFailure;

  /** Every later put reads the content, then throws {@code failure} (null to heal). */
  public void failPutsWith(RuntimeException failure) {
    this.putFailure = failure;
  }

  @Override
  public long put(String key, InputStream content) {
    putsStarted.incrementAndGet();
    boolean virtual = Thread.currentThread().isVirtual();
    MessageDigest sha256 = sha256();
    var retained = new ByteArrayOutputStream();
    long size = 0;
    byte[] chunk = new byte[CHUNK];
    try {
      for (int n; (n = content.read(chunk)) >= 0; ) {
        sha256.update(chunk, 0, n);
        if (size + n <= RETAINED_BYTES) {
          retained.write(chunk, 0, n);
        }
        size += n;
      }
    } catch (IOException e) {
      putsFailed.incrementAndGet();
      throw new UncheckedIOException("reading the upload failed", e);
    }
    if (putFailure != null) {
      putsFailed.incrementAndGet();
      throw putFailure;
    }
    objects.put(
        key,
        new Stored(
            size,
            HexFormat.of().formatHex(sha256.digest()),
            size <= RETAINED_BYTES ? Optional.of(retained.toByteArray()) : Optional.empty(),
            virtual));
    return size;
  }

  @Override
  public StoredObject open(String key) {
    Stored stored = objects.get(key);
    if (stored == null) {
      throw new ObjectMissingException(key, null);
    }
    byte[] bytes =
        stored.content().orElseThrow(() -> new IllegalStateException(key + " was not retained"));
    return new StoredObject(new ByteArrayInputStream(bytes), stored.size());
  }

  @Override
  public void delete(String key) {
    deleted.add(key);
    objects.remove(key);
  }

  public Map<String, Stored> objects() {
    return Map.copyOf(objects);
  }

  public Optional<Stored> object(String key) {
    return Optional.ofNullable(objects.get(key));
  }

  public int putsStarted() {
    return putsStarted.get();
  }

  public int putsFailed() {
    return putsFailed.get();
  }

  public List<String> deleted() {
    return List.copyOf(deleted);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
