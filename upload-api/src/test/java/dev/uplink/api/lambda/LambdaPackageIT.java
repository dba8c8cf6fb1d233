package dev.uplink.api.lambda;

import dev.uplink.core.testing.LambdaPackageContract;
import java.util.List;

/**
 * The API functions' deployment package: without the SDK's unused HTTP clients or Javalin's
 * websocket server.
 */
class LambdaPackageIT extends LambdaPackageContract {

  @Override
  protected String codeUri() {
    return "upload-api/target/uplink-api-lambda.zip";
  }

  @Override
  protected List<Class<?>> handlers() {
    return List.of(ApiGatewayHandler.class, ObjectCreatedHandler.class, UploadSweepHandler.class);
  }

  @Override
  protected List<String> leftOut() {
    return List.of("websocket", "asm-", "apache", "httpclient", "netty-");
  }

  /**
   * 27.6 MB when set, from 35.3 MB; the goal is 20 MB: what stands between is the SSM
   * client (5.9 MB, for SecureString secrets) and Javalin's Kotlin standard library (1.8 MB).
   */
  @Override
  protected long budgetBytes() {
    return 29_000_000;
  }
}
