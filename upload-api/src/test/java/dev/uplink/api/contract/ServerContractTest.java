package dev.uplink.api.contract;

import dev.uplink.api.UploadService;
import dev.uplink.api.http.ApiSettings;
import dev.uplink.api.http.UploadApi;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.Map;

/** The contract over a real socket: the embedded server on 127.0.0.1, a JDK HTTP/1.1 client. */
class ServerContractTest extends ApiContract {

  @Override
  protected ContractClient connect(ApiSettings settings, UploadService service) {
    UploadApi api = UploadApi.start("127.0.0.1", 0, settings, service);
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    return new ContractClient() {
      @Override
      public ContractResponse send(
          String method, String pathAndQuery, Map<String, String> headers, byte[] body)
          throws Exception {
        var request =
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + pathAndQuery))
                .timeout(Duration.ofSeconds(30))
                .method(
                    method,
                    body.length == 0 ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        var response = http.send(request.build(), BodyHandlers.ofByteArray());
        return new ContractResponse(
            response.statusCode(), response.headers().map(), response.body());
      }

      @Override
      public void close() {
        http.close();
        api.close();
      }
    };
  }
}
