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
    return List.of("websocket", "asm-", "apache", "httpclient", "netty-", "ssm-");
  }

  /**
   * The goal: 20 MB (35.3 MB before the first cut, 27.6 MB before the libraries were stored
   * and the SSM client left for its layer).
   */
  @Override
  protected long budgetBytes() {
    return 20_000_000;
  }
}
