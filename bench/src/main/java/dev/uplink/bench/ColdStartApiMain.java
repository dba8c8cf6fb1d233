package dev.uplink.bench;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import dev.uplink.api.lambda.ApiGatewayHandler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Child process, on the API function's classpath only: what the Lambda runtime does on a cold start
 * of the API function. Instantiates {@link ApiGatewayHandler} (configured from the environment),
 * hands it one API Gateway event, a streamed upload of the file named in the arguments, and prints
 * {@code BENCH-DONE} as {@link ColdStartMain} does, {@code failures=1} unless the answer is 202.
 *
 * <p>Arguments: the API key, the destination path, the file's bytes as base64.
 */
public final class ColdStartApiMain {

  private static final Pattern STATUS = Pattern.compile("\"statusCode\"\\s*:\\s*(\\d+)");

  private ColdStartApiMain() {}

  public static void main(String[] args) throws IOException {
    Instant main = Instant.now();
    var handler = new ApiGatewayHandler();
    Instant ready = Instant.now();
    String event =
        """
        {"version":"2.0","routeKey":"$default","rawPath":"/v1/uploads",
         "rawQueryString":"container=bench&path=%s",
         "headers":{"host":"api.example","authorization":"Bearer %s",
                    "content-type":"application/octet-stream","content-length":"%d"},
         "requestContext":{"accountId":"000000000000","apiId":"bench","domainName":"api.example",
           "http":{"method":"POST","path":"/v1/uploads","protocol":"HTTP/1.1",
                   "sourceIp":"127.0.0.1","userAgent":"bench"},
           "requestId":"cold-start","routeKey":"$default","stage":"$default"},
         "body":"%s","isBase64Encoded":true}"""
            .formatted(args[1], args[0], Base64.getDecoder().decode(args[2]).length, args[2]);
    var output = new ByteArrayOutputStream();
    handler.handleRequest(
        new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), output, new Invocation());
    Instant done = Instant.now();
    String response = output.toString(StandardCharsets.UTF_8);
    Matcher status = STATUS.matcher(response);
    boolean accepted = status.find() && status.group(1).equals("202");
    if (!accepted) {
      System.out.println("BENCH-RESPONSE " + response);
    }
    System.out.printf(
        "%nBENCH-DONE jvm=%d main=%d ready=%d done=%d failures=%d%n",
        ManagementFactory.getRuntimeMXBean().getStartTime() * 1000,
        micros(main),
        micros(ready),
        micros(done),
        accepted ? 0 : 1);
    System.out.flush();
    System.exit(0);
  }

  private static long micros(Instant instant) {
    return instant.getEpochSecond() * 1_000_000 + instant.getNano() / 1000;
  }

  /** The context of one invocation with 29 s left (the API function's timeout). */
  private static final class Invocation implements Context {
    private final long deadline = System.currentTimeMillis() + 29_000;

    @Override
    public String getAwsRequestId() {
      return "cold-start";
    }

    @Override
    public String getLogGroupName() {
      return "/aws/lambda/uplink-api";
    }

    @Override
    public String getLogStreamName() {
      return "cold-start";
    }

    @Override
    public String getFunctionName() {
      return "uplink-api";
    }

    @Override
    public String getFunctionVersion() {
      return "$LATEST";
    }

    @Override
    public String getInvokedFunctionArn() {
      return "arn:aws:lambda:us-east-1:000000000000:function:uplink-api";
    }

    @Override
    public CognitoIdentity getIdentity() {
      return null;
    }

    @Override
    public ClientContext getClientContext() {
      return null;
    }

    @Override
    public int getRemainingTimeInMillis() {
      return (int) Math.max(0, deadline - System.currentTimeMillis());
    }

    @Override
    public int getMemoryLimitInMB() {
      return 1024;
    }

    @Override
    public LambdaLogger getLogger() {
      return new LambdaLogger() {
        @Override
        public void log(String message) {
          System.out.print(message);
        }

        @Override
        public void log(byte[] message) {
          System.out.write(message, 0, message.length);
        }
      };
    }
  }
}
