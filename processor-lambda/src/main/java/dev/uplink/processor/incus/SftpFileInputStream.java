package dev.uplink.processor.incus;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/** A file in an instance, read in order over a borrowed SFTP session, given back on close. */
final class SftpFileInputStream extends InputStream {

  private static final int READ_BYTES = 32 * 1024;

  private final SftpSessionPool.Lease lease;
  private final byte[] handle;
  private final String path;
  private final SftpSessionPool pool;
  private byte[] buffer = new byte[0];
  private int at;
  private long offset;
  private boolean ended;
  private boolean closed;

  SftpFileInputStream(
      SftpSessionPool.Lease lease, byte[] handle, String path, SftpSessionPool pool) {
    this.lease = lease;
    this.handle = handle;
    this.path = path;
    this.pool = pool;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (closed) {
      throw new IOException("closed");
    }
    if (len == 0) {
      return 0;
    }
    if (at == buffer.length) {
      if (ended) {
        return -1;
      }
      Optional<byte[]> next = lease.session().read(handle, path, offset, READ_BYTES);
      if (next.isEmpty() || next.get().length == 0) {
        ended = true;
        return -1;
      }
      buffer = next.get();
      at = 0;
      offset += buffer.length;
    }
    int n = Math.min(len, buffer.length - at);
    System.arraycopy(buffer, at, b, off, n);
    at += n;
    return n;
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (!lease.session().isBroken()) {
        lease.session().closeHandle(handle, path);
      }
    } finally {
      pool.giveBack(lease);
    }
  }
}
