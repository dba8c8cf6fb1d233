package dev.uplink.api.lambda;

/**
 * An event that cannot become an HTTP request. For a 400 the message is the problem's {@code
 * detail} and goes to the client; a 500's message is only logged.
 */
final class EventRejectedException extends RuntimeException {

  private final int status;

  private EventRejectedException(int status, String detail) {
    super(detail, null, false, false);
    this.status = status;
  }

  /** Something in the request itself (a header, the body) that HTTP/1.1 cannot carry: 400. */
  static EventRejectedException badRequest(String detail) {
    return new EventRejectedException(400, detail);
  }

  /** Not an event this handler is meant to receive (the API is integrated wrongly): 500. */
  static EventRejectedException misintegrated(String detail) {
    return new EventRejectedException(500, detail);
  }

  int status() {
    return status;
  }
}
