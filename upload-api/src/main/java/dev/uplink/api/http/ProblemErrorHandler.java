package dev.uplink.api.http;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's error pages for requests that never reach Javalin (a malformed request line or URI,
 * headers too large): problem+json like every other error, never HTML, never a stack trace.
 */
final class ProblemErrorHandler extends ErrorHandler {

  ProblemErrorHandler() {
    setShowStacks(false);
    setShowCauses(false);
  }

  @Override
  protected void generateResponse(
      Request request,
      Response response,
      int code,
      String message,
      Throwable cause,
      Callback callback) {
    response.setStatus(code);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, ProblemException.MEDIA_TYPE);
    response.write(true, ByteBuffer.wrap(problem(code, message)), callback);
  }

  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(HttpHeader.CONTENT_TYPE, ProblemException.MEDIA_TYPE);
    return ByteBuffer.wrap(problem(status, reason));
  }

  private static byte[] problem(int code, String message) {
    String title = HttpStatus.getMessage(code);
    String detail = code < 500 && message != null && !message.isBlank() ? message : title;
    ProblemException problem =
        code == 404
            ? ProblemException.notFound("No such resource")
            : ProblemException.ofStatus(code, title, detail);
    return Json.bytes(problem.body());
  }
}
