package dev.uplink.api.lambda;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

/**
 * The invocation context as the Lambda runtime passes it: a request id, a function name and the
 * time left until the deadline, counted down from creation.
 */
public final class LambdaTestContext implements Context {

  private final String requestId = UUID.randomUUID().toString();
  private final long deadlineNanos;

  /** An invocation that has {@code timeLeft} before Lambda would stop it. */
  public LambdaTestContext(Duration timeLeft) {
    this.deadlineNanos = System.nanoTime() + timeLeft.toNanos();
  }

  @Override
  public String getAwsRequestId() {
    return requestId;
  }

  @Override
  public String getLogGroupName() {
    return "/aws/lambda/uplink-api";
  }

  @Override
  public String getLogStreamName() {
    return "2026/11/22/[$LATEST]" + requestId.replace("-", "");
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
    return "arn:aws:lambda:us-east-1:123456789012:function:uplink-api";
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
    return (int) Math.max(0, Duration.ofNanos(deadlineNanos - System.nanoTime()).toMillis());
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
        System.out.print(new String(message, StandardCharsets.UTF_8));
      }
    };
  }
}
