package dev.uplink.api.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.api.UploadService;
import dev.uplink.api.http.ApiSettings;
import dev.uplink.api.lambda.ApiGatewayEvents;
import dev.uplink.api.lambda.ApiGatewayHandler;
import dev.uplink.api.lambda.LambdaTestContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The contract through AWS Lambda: each request becomes the API Gateway HTTP API event (payload
 * format 2.0) API Gateway would send, as JSON text; the handler reads it from a stream like the
 * Lambda runtime's, and its JSON answer is read back the way API Gateway reads it.
 */
class LambdaContractTest extends ApiContract {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  protected ContractClient connect(ApiSettings settings, UploadService service) {
    var handler = new ApiGatewayHandler(settings, service);
    return new ContractClient() {
      @Override
      public ContractResponse send(
          String method, String pathAndQuery, Map<String, String> headers, byte[] body)
          throws Exception {
        String event = ApiGatewayEvents.event(method, pathAndQuery, headers, body);
        var output = new ByteArrayOutputStream();
        handler.handleRequest(
            new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)),
            output,
            new LambdaTestContext(Duration.ofSeconds(60)));
        return fromApiGateway(JSON.readTree(output.toByteArray()));
      }

      @Override
      public void close() {
        handler.close();
      }
    };
  }

  /** What API Gateway makes of a payload format 2.0 response. */
  private static ContractResponse fromApiGateway(JsonNode response) {
    var headers = new LinkedHashMap<String, List<String>>();
    response
        .path("headers")
        .properties()
        .forEach(h -> headers.put(h.getKey(), List.of(h.getValue().asText())));
    var cookies = new ArrayList<String>();
    response.path("cookies").forEach(c -> cookies.add(c.asText()));
    if (!cookies.isEmpty()) {
      headers.put("Set-Cookie", cookies);
    }
    String body = response.path("body").asText("");
    byte[] bytes =
        response.path("isBase64Encoded").asBoolean()
            ? Base64.getDecoder().decode(body)
            : body.getBytes(StandardCharsets.UTF_8);
    return new ContractResponse(response.path("statusCode").asInt(), headers, bytes);
  }
}
