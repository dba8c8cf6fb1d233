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
public final class InvocationLogContext {

  public static final String REQUEST_ID = "requestId";
  public static final String COLD_START = "coldStart";

  /** One per execution environment: a class is loaded once per JVM, and Lambda runs one JVM. */
  private static final AtomicBoolean started = new AtomicBoolean();

  private InvocationLogContext() {}

  /**
   * The context of the invocation {@code requestId} (the Lambda context's {@code
   * getAwsRequestId()}; absent when a handler is called without one, as in tests), until the scope
   * is closed.
   */
  public static LogScope of(String requestId) {
    var scope = LogScope.open();
    MDC.put(REQUEST_ID, Objects.requireNonNullElse(requestId, "none"));
    MDC.put(COLD_START, Boolean.toString(started.compareAndSet(false, true)));
    return scope;
  }
}
