package dev.uplink.core.logging;

import java.util.Map;
import org.slf4j.MDC;

/**
 * What a thread's log fields (SLF4J's MDC) were when the scope was opened; closing it puts them
 * back, dropping fields put meanwhile and bringing back those changed. Threads are pooled, so the
 * fields of one piece of work must not reach the next. {@link InvocationLogContext} and {@link
 * TaskLogContext} each open one around their fields, and scopes nest.
 *
 * <pre>{@code
 * try (var scope = LogScope.open()) {
 *   MDC.put("taskId", id);
 *   ...
 * } // the thread's fields are as before
 * }</pre>
 */
public final class LogScope implements AutoCloseable {

  /** The fields as they were; null when the thread had none (what SLF4J answers then). */
  private final Map<String, String> before;

  private LogScope(Map<String, String> before) {
    this.before = before;
  }

  /** A scope that gives this thread back the fields it has now. */
  public static LogScope open() {
    return new LogScope(MDC.getCopyOfContextMap());
  }

  /**
   * {@code work}, to run on another thread (a timer's) with the fields this thread has now; that
   * thread has its own fields back once the work is done.
   */
  public static Runnable carrying(Runnable work) {
    Map<String, String> fields = MDC.getCopyOfContextMap();
    return () -> {
      try (var scope = open()) {
        restore(fields);
        work.run();
      }
    };
  }

  /** Gives the thread back the fields it had when this scope was opened. */
  @Override
  public void close() {
    restore(before);
  }

  private static void restore(Map<String, String> fields) {
    if (fields == null) {
      MDC.clear();
    } else {
      MDC.setContextMap(fields);
    }
  }
}
