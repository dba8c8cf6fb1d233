package dev.uplink.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.LoggerFactory;

/**
 * Logging for the operators' commands, which run core's services in the CLI's own process. Core's
 * logback.xml is made for servers: INFO lines, as JSON, on stdout. Here stdout is the command's
 * result (piped into {@code jq}), and the report printed already says what the INFO lines would. So
 * only warnings are shown, on stderr, one line each, without stack traces.
 */
final class OperatorLogging {

  private OperatorLogging() {}

  /** From now on: warnings and errors only, as {@code uplink: warning: ...} lines on stderr. */
  static void warningsToStderr() {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return; // another SLF4J binding: leave it as it is configured
    }
    var encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(UplinkCommand.NAME + ": warning: %replace(%msg){'[\\r\\n]+', ' '}%nopex%n");
    encoder.start();
    var appender = new ConsoleAppender<ILoggingEvent>();
    appender.setContext(context);
    appender.setName("operator-stderr");
    appender.setTarget("System.err");
    appender.setEncoder(encoder);
    appender.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.detachAndStopAllAppenders();
    root.addAppender(appender);
    root.setLevel(Level.WARN);
    // logback.xml raises dev.uplink to INFO; the operators' INFO lines repeat the printed report.
    context.getLogger("dev.uplink").setLevel(Level.WARN);
  }
}
