package dev.uplink.core.logging;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.MDC;

/**
 * The Lambda invocation on every log line a function writes while handling it, as AWS Powertools'
 * logger has them: {@value #REQUEST_ID} (the invocation's request id, which CloudWatch's {@code
 * REPORT} line and X-Ray show too) and {@value #COLD_START} ({@code true} on the first invocation
 * of an execution environment, when the function's start-up is part of its latency).
 *
 * <p>Open one around a handler's work: a {@link LogScope}, whose closing restores what the thread
 * had before. A task's own fields ({@link TaskLogContext}) nest inside it.
 */
public final class InvocationLogContext implements AutoCloseable {

  public static final String REQUEST_ID = "requestId";
  public static final String COLD_START = "coldStart";

  /** One per execution environment: a class is loaded once per JVM, and Lambda runs one JVM. */
  private static final AtomicBoolean started = new AtomicBoolean();

  private final LogScope scope;
  private final String requestId;
  private final boolean coldStart;

  private InvocationLogContext(String requestId, boolean coldStart) {
    this.scope = LogScope.open();
    this.requestId = requestId;
    this.coldStart = coldStart;
    MDC.put(REQUEST_ID, requestId);
    MDC.put(COLD_START, Boolean.toString(coldStart));
  }

  /**
   * The context of the invocation {@code requestId} (the Lambda context's {@code
   * getAwsRequestId()}; absent when a handler is called without one, as in tests), until it is
   * closed.
   */
  public static InvocationLogContext of(String requestId) {
    return new InvocationLogContext(
        Objects.requireNonNullElse(requestId, "none"), started.compareAndSet(false, true));
  }

  /**
   * The same invocation on another thread, one that serves work the invocation handed over (the API
   * function's application serves each request on a thread of its own): its {@link #requestId()}
   * and {@link #coldStart()} as they are, counting no start.
   */
  public static InvocationLogContext continuing(String requestId, boolean coldStart) {
    return new InvocationLogContext(Objects.requireNonNull(requestId, "requestId"), coldStart);
  }

  /** The invocation's request id ({@code none} without one). */
  public String requestId() {
    return requestId;
  }

  /** Whether this is the execution environment's first invocation. */
  public boolean coldStart() {
    return coldStart;
  }

  /** Gives the thread back the log fields it had before. */
  @Override
  public void close() {
    scope.close();
  }
}
