package dev.uplink.processor;

import dev.uplink.core.domain.ObjectMissingException;
import dev.uplink.core.domain.ObjectStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** An {@link ObjectStore} in a map. */
public final class InMemoryObjectStore implements ObjectStore {

  private final Map<String, byte[]> objects = new ConcurrentHashMap<>();

  public void put(String key, byte[] bytes) {
    objects.put(key, bytes.clone());
  }

  @Override
  public long put(String key, InputStream content) {
    try {
      byte[] bytes = content.readAllBytes();
      objects.put(key, bytes);
      return bytes.length;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public StoredObject open(String key) {
    byte[] bytes = objects.get(key);
    if (bytes == null) {
      throw new ObjectMissingException(key, null);
    }
    return new StoredObject(new ByteArrayInputStream(bytes), bytes.length);
  }

  public boolean contains(String key) {
    return objects.containsKey(key);
  }

  @Override
  public void delete(String key) {
    objects.remove(key);
  }
}
