package dev.uplink.core.testing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What Lambda's Java runtime does with a stream handler, as a program of its own to run on a
 * deployment package's class path: instantiates the handler class with its no-argument constructor,
 * hands it one event, and prints the answer after {@value #ANSWER}. Uses the JDK alone (the
 * handler's interface by reflection), so that it brings nothing the package lacks.
 *
 * <p>Arguments: the handler's class name, the file holding the event.
 */
public final class LambdaInvocation {

  /** What the line with the handler's answer starts with. */
  public static final String ANSWER = "LAMBDA-ANSWER ";

  private LambdaInvocation() {}

  public static void main(String[] args) throws Exception {
    Class<?> type = Class.forName(args[0]);
    Object handler = type.getConstructor().newInstance();
    byte[] event = Files.readAllBytes(Path.of(args[1]));
    Method handle =
        type.getMethod("handleRequest", InputStream.class, OutputStream.class, contextType(type));
    var answer = new ByteArrayOutputStream();
    handle.invoke(handler, new ByteArrayInputStream(event), answer, null);
    System.out.println(ANSWER + answer.toString(StandardCharsets.UTF_8));
    System.out.flush();
    System.exit(0);
  }

  private static Class<?> contextType(Class<?> handler) throws ClassNotFoundException {
    return Class.forName(
        "com.amazonaws.services.lambda.runtime.Context", false, handler.getClassLoader());
  }
}
