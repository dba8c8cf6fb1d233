package dev.uplink.api.lambda;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpTester;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * One request through Jetty's in-memory connector: the same connection handling, parsing, error
 * handler and application as a socket, without a socket.
 */
final class LocalExchange {

  private LocalExchange() {}

  /** No complete response came: the application took too long, or the connection broke. */
  static final class NoResponseException extends Exception {

    private final boolean timedOut;

    NoResponseException(String message, boolean timedOut, Throwable cause) {
      super(message, cause);
      this.timedOut = timedOut;
    }

    boolean timedOut() {
      return timedOut;
    }
  }

  /**
   * Sends {@code request} on a new in-memory connection and returns the parsed response.
   *
   * @param timeout how long the whole exchange may take; then the connection is closed
   * @throws NoResponseException when no complete response came within {@code timeout}, or what came
   *     could not be parsed
   */
  static HttpTester.Response send(LocalConnector connector, RawRequest request, Duration timeout)
      throws NoResponseException {
    long millis = Math.max(1, timeout.toMillis());
    long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    LocalConnector.LocalEndPoint endpoint = connector.connect();
    // Either the scheduled close or waitForResponse's own limit may end the wait first.
    var timedOut = new AtomicBoolean();
    // waitForResponse's own time limit is per read, and it keeps waiting while the connection is
    // open: closing the connection at the deadline is what bounds the exchange.
    Scheduler.Task deadline =
        connector
            .getScheduler()
            .schedule(
                () -> {
                  timedOut.set(true);
                  endpoint.close();
                },
                millis,
                TimeUnit.MILLISECONDS);
    try {
      // Once the connection waits for input, addInput runs the request on the calling thread:
      // handing it over on a virtual thread keeps this one free to enforce the deadline.
      Thread.ofVirtual()
          .name("uplink-lambda-request")
          .start(() -> endpoint.addInput(ByteBuffer.wrap(request.bytes())));
      ByteBuffer raw = endpoint.waitForResponse(request.head(), millis, TimeUnit.MILLISECONDS);
      HttpTester.Response response =
          raw == null ? null : HttpTester.parseResponse(HttpTester.from(raw), request.head());
      if (response == null || !response.isComplete()) {
        if (System.nanoTime() - deadlineNanos >= 0) {
          timedOut.set(true);
        }
        throw new NoResponseException(
            timedOut.get()
                ? "no response within " + timeout
                : "the connection closed before a complete response",
            timedOut.get(),
            null);
      }
      return response;
    } catch (NoResponseException e) {
      throw e;
    } catch (Exception e) {
      boolean late = timedOut.get() || System.nanoTime() - deadlineNanos >= 0;
      throw new NoResponseException("reading the response failed", late, e);
    } finally {
      deadline.cancel();
      endpoint.close();
    }
  }
}
