package dev.uplink.processor.incus;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose read or write has been blocked longer than a timeout, so a hung Incus
 * never hangs a push: socket timeouts cover only reads, and a unix socket's streams have none at
 * all. The blocked call then fails with a {@link SocketTimeoutException}. It also closes the
 * connection of a blocked call whose thread was interrupted (an aborted push): blocking socket I/O
 * on a platform thread, like the Lambda runtime's, does not react to interrupts by itself; the call
 * then fails with an {@link InterruptedIOException}. Idle connections (no call in progress, like a
 * pooled session) are never closed by it.
 */
final class StallGuard implements AutoCloseable {

  /** How often blocked calls are looked at: also how soon an interrupt takes effect. */
  private static final long SWEEP_MILLIS = 200;

  private final long timeoutNanos;
  private final Set<Watched> watched = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timer;

  StallGuard(Duration timeout) {
    this.timeoutNanos = timeout.toNanos();
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("uplink-incus-stall-guard").factory());
    long every = Math.min(SWEEP_MILLIS, Math.max(10, timeout.toMillis() / 4));
    timer.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
  }

  /** The connection, with streams whose blocked calls are timed; closing it stops watching it. */
  IncusConnector.Connection guard(IncusConnector.Connection connection) {
    var w = new Watched(connection);
    watched.add(w);
    return new IncusConnector.Connection(
        w.in(connection.in()),
        w.out(connection.out()),
        () -> {
          watched.remove(w);
          connection.close();
        });
  }

  /** One blocking call on {@code resource} (a connect, a TLS handshake), watched the same way. */
  <T> T during(java.io.Closeable resource, Call<T> call) throws IOException {
    var w =
        new Watched(
            new IncusConnector.Connection(
                InputStream.nullInputStream(), OutputStream.nullOutputStream(), resource));
    watched.add(w);
    try {
      return w.timed(call);
    } finally {
      watched.remove(w);
    }
  }

  /** A blocking call. */
  interface Call<T> {
    T run() throws IOException;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }

  private void sweep() {
    long now = System.nanoTime();
    for (Watched w : watched) {
      long since = w.blockedSince;
      Thread blocked = w.blockedThread;
      boolean interrupted = blocked != null && blocked.isInterrupted();
      if (since != 0 && (interrupted || now - since > timeoutNanos)) {
        w.interrupted = interrupted;
        w.stalled = !interrupted;
        watched.remove(w);
        w.connection.close();
      }
    }
  }

  private final class Watched {
    private final IncusConnector.Connection connection;
    private volatile long blockedSince;
    private volatile Thread blockedThread;
    private volatile boolean stalled;
    private volatile boolean interrupted;

    Watched(IncusConnector.Connection connection) {
      this.connection = connection;
    }

    private <T> T timed(Call<T> call) throws IOException {
      blockedThread = Thread.currentThread();
      blockedSince = System.nanoTime() | 1; // never 0 while blocked
      try {
        return call.run();
      } catch (IOException e) {
        if (interrupted) {
          var stopped = new InterruptedIOException("interrupted");
          stopped.initCause(e);
          throw stopped;
        }
        if (stalled) {
          var timeout =
              new SocketTimeoutException(
                  "no progress for " + Duration.ofNanos(timeoutNanos).toSeconds() + " s");
          timeout.initCause(e);
          throw timeout;
        }
        throw e;
      } finally {
        blockedSince = 0;
        blockedThread = null;
      }
    }

    InputStream in(InputStream in) {
      return new FilterInputStream(in) {
        @Override
        public int read() throws IOException {
          return timed(() -> super.read());
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          return timed(() -> super.read(b, off, len));
        }
      };
    }

    OutputStream out(OutputStream out) {
      return new FilterOutputStream(out) {
        @Override
        public void write(int b) throws IOException {
          timed(
              () -> {
                out.write(b);
                return null;
              });
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          timed(
              () -> {
                out.write(b, off, len);
                return null;
              });
        }

        @Override
        public void flush() throws IOException {
          timed(
              () -> {
                out.flush();
                return null;
              });
        }
      };
    }
  }
}
