package dev.uplink.api.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.core.testing.LambdaPackageContract;
import dev.uplink.core.testing.MotoServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

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

  @Test
  void theApiFunctionAnswersARequestFromThePackageAlone() throws Exception {
    try (MotoServer moto = MotoServer.require();
        SqsClient sqs =
            SqsClient.builder()
                .endpointOverride(moto.endpoint())
                .region(Region.of(MotoServer.REGION))
                .credentialsProvider(
                    StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create())
                .build()) {
      // The function finds its work queue when it starts; a probe needs nothing else.
      sqs.createQueue(r -> r.queueName("uplink-tasks"));
      String endpoint = moto.endpoint().toString();
      Map<String, String> environment =
          Map.of(
              "AWS_REGION",
              MotoServer.REGION,
              "AWS_ACCESS_KEY_ID",
              "test",
              "AWS_SECRET_ACCESS_KEY",
              "test",
              "UPLINK_API_KEYS",
              "key-alice=alice@*:/",
              "UPLINK_S3_ENDPOINT",
              endpoint,
              "UPLINK_SQS_ENDPOINT",
              endpoint,
              "UPLINK_DYNAMODB_ENDPOINT",
              endpoint);
      String event =
          """
          {"version":"2.0","routeKey":"$default","rawPath":"/healthz","rawQueryString":"",
           "headers":{"host":"api.example"},
           "requestContext":{"domainName":"api.example","requestId":"r-1",
             "http":{"method":"GET","path":"/healthz","protocol":"HTTP/1.1","sourceIp":"127.0.0.1"}},
           "isBase64Encoded":false}""";

      JsonNode answer =
          new ObjectMapper()
              .readTree(lambda.invoke(ApiGatewayHandler.class.getName(), environment, event));

      assertThat(answer.path("statusCode").asInt()).as(answer.toString()).isEqualTo(200);
      assertThat(answer.path("body").asText()).contains("\"status\":\"up\"");
    }
  }
}
