package dev.uplink.core.domain;

import java.io.InputStream;

/**
 * Where uploaded bytes wait between the API and the worker. Implementations stream: memory stays
 * bounded by a part or two (one being read while the other is sent) whatever the object's size.
 */
public interface ObjectStore {

  /**
   * Stores everything {@code content} yields under {@code key}. On any failure nothing is left
   * behind (a started multipart upload is aborted) and the exception propagates.
   *
   * @return the number of bytes stored
   */
  long put(String key, InputStream content);

  /**
   * Opens the object for streaming. The caller closes the stream.
   *
   * @throws ObjectMissingException if there is no such object
   */
  StoredObject open(String key);

  /** Deletes the object; deleting a missing object is not an error. */
  void delete(String key);

  /**
   * An object being read.
   *
   * @param content the bytes; close it when done
   * @param size the object's length in bytes
   */
  record StoredObject(InputStream content, long size) implements AutoCloseable {
    @Override
    public void close() throws java.io.IOException {
      content.close();
    }
  }
}
