package dev.uplink.cli;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.LongConsumer;

/**
 * A request body read from (a range of) a file while it is sent, never held in memory whole, with
 * its exact length as {@code Content-Length} and every byte read reported (for the progress bar).
 */
final class FileBody {

  private FileBody() {}

  /** The whole file. */
  static BodyPublisher of(Path file, long size, LongConsumer onRead) {
    return of(file, 0, size, onRead);
  }

  /** {@code length} bytes of {@code file} from {@code offset}; each attempt re-reads them. */
  static BodyPublisher of(Path file, long offset, long length, LongConsumer onRead) {
    if (length == 0) {
      return BodyPublishers.noBody();
    }
    return BodyPublishers.fromPublisher(
        BodyPublishers.ofInputStream(() -> open(file, offset, length, onRead)), length);
  }

  private static InputStream open(Path file, long offset, long length, LongConsumer onRead) {
    try {
      FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
      channel.position(offset);
      return new RangeStream(Channels.newInputStream(channel), length, onRead);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** At most {@code remaining} bytes of {@code in}, each reported to {@code onRead}. */
  private static final class RangeStream extends FilterInputStream {
    private long remaining;
    private final LongConsumer onRead;

    RangeStream(InputStream in, long remaining, LongConsumer onRead) {
      super(in);
      this.remaining = remaining;
      this.onRead = onRead;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int off, int len) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int n = super.read(buffer, off, (int) Math.min(len, remaining));
      if (n > 0) {
        remaining -= n;
        onRead.accept(n);
      }
      return n;
    }

    @Override
    public long skip(long n) {
      throw new UnsupportedOperationException("a request body is read in order");
    }
  }
}
