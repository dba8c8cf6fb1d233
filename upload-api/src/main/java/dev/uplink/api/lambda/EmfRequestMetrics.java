package dev.uplink.api.lambda;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.uplink.api.http.RequestMetrics;
import dev.uplink.core.logging.InvocationLogContext;
import java.io.PrintStream;
import java.time.Clock;
import java.util.Objects;
import org.slf4j.MDC;

/**
 * {@link RequestMetrics} as CloudWatch Embedded Metric Format: one JSON line per request on
 * standard output, which CloudWatch Logs turns into metrics in the {@value #NAMESPACE} namespace
 * (the processor's), without an API call: {@value #REQUESTS} (count) and {@value #LATENCY}
 * (milliseconds) by {@value #ROUTE} and {@value #STATUS}, and {@value #UPLOADED_BYTES} (bytes of
 * streamed uploads accepted). The line also carries the invocation's request id, to find its log
 * lines.
 *
 * <p>Written with the Jackson the function has, to AWS's published specification, rather than with
 * AWS's EMF library (the processor's), which would add about 0.7 MB to the package (commons-lang3,
 * javatuples, Jackson's JSR-310 module) and more classes to a cold start, for one line.
 */
public final class EmfRequestMetrics implements RequestMetrics {

  public static final String NAMESPACE = "Uplink";
  public static final String REQUESTS = "Requests";
  public static final String LATENCY = "Latency";
  public static final String UPLOADED_BYTES = "UploadedBytes";
  public static final String ROUTE = "Route";
  public static final String STATUS = "Status";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final PrintStream out;
  private final Clock clock;

  /** Lines on {@code out} (Lambda's standard output), stamped by {@code clock}. */
  public EmfRequestMetrics(PrintStream out, Clock clock) {
    this.out = Objects.requireNonNull(out, "out");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public void served(ServedRequest request) {
    String line = line(request).toString();
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }

  /** The EMF document of one request. */
  ObjectNode line(ServedRequest request) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode directive = root.putObject("_aws").put("Timestamp", clock.millis());
    ObjectNode metrics = directive.putArray("CloudWatchMetrics").addObject();
    metrics.put("Namespace", NAMESPACE);
    metrics.putArray("Dimensions").addArray().add(ROUTE).add(STATUS);
    var definitions = metrics.putArray("Metrics");
    definitions.addObject().put("Name", REQUESTS).put("Unit", "Count");
    definitions.addObject().put("Name", LATENCY).put("Unit", "Milliseconds");
    if (request.uploadedBytes() > 0) {
      definitions.addObject().put("Name", UPLOADED_BYTES).put("Unit", "Bytes");
    }
    root.put(ROUTE, request.route());
    root.put(STATUS, Integer.toString(request.status()));
    root.put(REQUESTS, 1);
    root.put(LATENCY, request.took().toNanos() / 1_000_000.0);
    if (request.uploadedBytes() > 0) {
      root.put(UPLOADED_BYTES, request.uploadedBytes());
    }
    String requestId = MDC.get(InvocationLogContext.REQUEST_ID);
    if (requestId != null) {
      root.put(InvocationLogContext.REQUEST_ID, requestId);
    }
    return root;
  }
}
