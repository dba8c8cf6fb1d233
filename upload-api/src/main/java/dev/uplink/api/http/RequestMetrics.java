package dev.uplink.api.http;

import java.time.Duration;
import java.util.Objects;

/**
 * What the API counts of every request it served, for whoever keeps request metrics: the Lambda
 * function writes them as CloudWatch EMF lines; the embedded server keeps none (its {@code
 * /metrics} are the process's).
 */
@FunctionalInterface
public interface RequestMetrics {

  /** Counts one request, when its response is complete. */
  void served(ServedRequest request);

  /** Counts nothing. */
  static RequestMetrics none() {
    return request -> {};
  }

  /**
   * One request served.
   *
   * @param route the endpoint that answered, as registered ({@code POST
   *     /v1/uploads/{id}/complete}), never the request's own path, which holds ids; {@code
   *     unmatched} when none did
   * @param status the response's status code
   * @param took from the request's start to its response's end
   * @param uploadedBytes the bytes of a streamed upload this request accepted; 0 for any other
   */
  record ServedRequest(String route, int status, Duration took, long uploadedBytes) {

    /** The route of a request that no endpoint answered (a 404, a 401 before the route). */
    public static final String UNMATCHED = "unmatched";

    public ServedRequest {
      Objects.requireNonNull(route, "route");
      Objects.requireNonNull(took, "took");
    }
  }
}
