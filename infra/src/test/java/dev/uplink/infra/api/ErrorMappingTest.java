package dev.uplink.infra.api;

import static dev.uplink.infra.api.ApiFixture.ALICE;
import static dev.uplink.infra.api.ApiFixture.OPERATOR;
import static dev.uplink.infra.api.ApiFixture.expect;
import static dev.uplink.infra.api.ApiFixture.problem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Only an outage is "retry later": a body too large is the client's 413, and a bug (here a stored
 * item nobody can read) is a 500 with an incident id, never a 503. Against the API on real sockets
 * and the emulators; {@link LimitsTest} shows dependencies that are down still answer 503.
 */
class ErrorMappingTest {

  /** Past the 64 KiB the API reads of a JSON body. */
  private static final int OVERSIZED = 100 * 1024;

  @RegisterExtension static final ApiFixture api = ApiFixture.create();

  @Test
  void givenARedriveBodyOverTheLimit_whenAnOperatorPostsIt_thenItIs413NotRetryLater() {
    for (BodyPublisher body : oversizedJson()) {
      var response =
          api.send(
              api.request(OPERATOR, "/v1/dlq/redrive")
                  .header("Content-Type", "application/json")
                  .POST(body)
                  .build());

      JsonNode problem = problem(response, 413, "body-too-large");
      assertThat(problem.path("detail").asText()).contains("65536");
      assertThat(response.headers().firstValue("Retry-After")).as("not an outage").isEmpty();
    }
  }

  @Test
  void givenADeclarationOverTheLimit_whenPosted_thenItIs413ProblemJson() {
    for (BodyPublisher body : oversizedJson()) {
      var response =
          api.send(
              api.request(ALICE, "/v1/uploads/presign")
                  .header("Content-Type", "application/json")
                  .POST(body)
                  .build());

      problem(response, 413, "body-too-large");
    }
  }

  @Test
  void givenAStoredTaskNobodyCanRead_whenItsOwnerAsksForIt_thenItIs500WithAnIncidentIdNot503() {
    var uploaded =
        api.upload(ALICE, "web-1", "/srv/malformed.bin", BodyPublishers.ofString("x"), Map.of());
    String id = expect(uploaded, 202).path("id").asText();
    // A bug elsewhere wrote a size that is no number.
    api.aws
        .clients()
        .dynamoDb()
        .updateItem(
            r ->
                r.tableName(api.aws.settings().table())
                    .key(Map.of("id", AttributeValue.fromS(id)))
                    .updateExpression("SET #size = :bad")
                    .expressionAttributeNames(Map.of("#size", "size"))
                    .expressionAttributeValues(Map.of(":bad", AttributeValue.fromS("lots"))));

    HttpResponse<String> response = api.get(ALICE, "/v1/uploads/" + id);

    JsonNode problem = problem(response, 500, "internal-error");
    String incident = problem.path("incidentId").asText();
    assertThat(incident).as("incident id").matches("[0-9a-f-]{36}");
    assertThat(problem.path("detail").asText()).contains(incident);
    assertThat(response.headers().firstValue("Retry-After")).as("not an outage").isEmpty();
    assertThat(response.body())
        .as("no internals")
        .doesNotContain("malformed", "lots", api.aws.settings().table());
  }

  /** The same oversized JSON object, with a Content-Length and chunked. */
  private static BodyPublisher[] oversizedJson() {
    byte[] json =
        ("{\"ids\": [\"" + "x".repeat(OVERSIZED) + "\"]}").getBytes(StandardCharsets.UTF_8);
    return new BodyPublisher[] {
      BodyPublishers.ofByteArray(json),
      BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(json))
    };
  }
}
