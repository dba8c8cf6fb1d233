package dev.uplink.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.uplink.api.UploadLimits;
import dev.uplink.api.UploadService;
import dev.uplink.api.fakes.InMemoryDirectUploads;
import dev.uplink.api.fakes.RecordingTaskQueue;
import dev.uplink.api.fakes.StreamingObjectStore;
import dev.uplink.core.testing.InMemoryTaskStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /openapi.json} describes exactly the routes the API registers, and the API's real answers
 * conform to the schemas it declares for them.
 */
class OpenApiDocumentTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> METHODS =
      Set.of("get", "head", "post", "put", "delete", "patch");
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static JsonNode document;
  private static UploadApi api;
  private static UploadService service;

  @BeforeAll
  static void start() throws Exception {
    document = JSON.readTree(OpenApiDocument.bytes());
    service =
        new UploadService(
            new InMemoryTaskStore(),
            new StreamingObjectStore(),
            new RecordingTaskQueue(),
            Clock.systemUTC(),
            UploadLimits.defaults(),
            Optional.of(new InMemoryDirectUploads()));
    api = UploadApi.start("127.0.0.1", 0, Map.of("key", "alice"), service);
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  @Test
  void itIsOpenApi31AndEveryReferenceResolves() {
    assertThat(document.path("openapi").asText()).isEqualTo("3.1.0");
    var refs = new ArrayList<String>();
    collectRefs(document, refs);
    assertThat(refs).isNotEmpty();
    for (String ref : refs) {
      assertThat(resolve(ref)).as(ref).isNotNull();
    }
  }

  @Test
  void itDescribesExactlyTheRegisteredRoutes() {
    Set<String> documented = new TreeSet<>();
    document
        .path("paths")
        .fields()
        .forEachRemaining(
            path ->
                path.getValue()
                    .fieldNames()
                    .forEachRemaining(
                        method -> {
                          if (METHODS.contains(method)) {
                            documented.add(method.toUpperCase() + " " + path.getKey());
                          }
                        }));
    Set<String> registered = new TreeSet<>();
    for (var route : ApiApplication.routes(ApiSettings.allowingAll(Map.of()), service)) {
      registered.add(route.method().name() + " " + route.path());
    }

    assertThat(documented).isEqualTo(registered);
  }

  @Test
  void everyProtectedOperationDeclares401AndEveryErrorIsAProblem() {
    document
        .path("paths")
        .fields()
        .forEachRemaining(
            path ->
                path.getValue()
                    .fields()
                    .forEachRemaining(
                        operation -> {
                          String name = operation.getKey() + " " + path.getKey();
                          JsonNode responses = operation.getValue().path("responses");
                          if (!path.getKey().equals(OpenApiDocument.PATH)) {
                            assertThat(responses.has("401")).as(name).isTrue();
                          }
                          responses
                              .fields()
                              .forEachRemaining(
                                  response -> {
                                    if (response.getKey().compareTo("400") >= 0) {
                                      assertThat(
                                              response
                                                  .getValue()
                                                  .path("content")
                                                  .path("application/problem+json")
                                                  .path("schema")
                                                  .path("$ref")
                                                  .asText())
                                          .as(name + " " + response.getKey())
                                          .isEqualTo("#/components/schemas/Problem");
                                    }
                                  });
                        }));
  }

  @Test
  void realAnswersConformToTheDeclaredSchemas() throws Exception {
    var accepted =
        send("POST", "/v1/uploads?container=web&path=/srv/a", "application/octet-stream", "abc");
    conforms(accepted, "post", "/v1/uploads");
    String id = JSON.readTree(accepted.body()).path("id").asText();
    conforms(send("GET", "/v1/uploads/" + id, null, null), "get", "/v1/uploads/{id}");
    conforms(send("GET", "/v1/uploads?limit=1", null, null), "get", "/v1/uploads");
    String declaration =
        "{\"container\":\"web\",\"path\":\"/srv/b\",\"size\":3,\"sha256\":\"%s\"}"
            .formatted("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    var presigned = send("POST", "/v1/uploads/presign", "application/json", declaration);
    conforms(presigned, "post", "/v1/uploads/presign");
    String presignedId = JSON.readTree(presigned.body()).path("id").asText();
    conforms(send("GET", "/v1/uploads/" + presignedId, null, null), "get", "/v1/uploads/{id}");
    conforms(
        send("POST", "/v1/uploads/" + presignedId + "/complete", null, null),
        "post",
        "/v1/uploads/{id}/complete");
    var multipart = send("POST", "/v1/uploads/multipart", "application/json", declaration);
    conforms(multipart, "post", "/v1/uploads/multipart");
    String multipartId = JSON.readTree(multipart.body()).path("id").asText();
    conforms(
        send("POST", "/v1/uploads/" + multipartId + "/parts/1", null, null),
        "post",
        "/v1/uploads/{id}/parts/{partNumber}");
    conforms(
        send("GET", "/v1/uploads/" + multipartId + "/parts", null, null),
        "get",
        "/v1/uploads/{id}/parts");
    conforms(send("DELETE", "/v1/uploads/" + id, null, null), "delete", "/v1/uploads/{id}");
    conforms(
        send("GET", "/v1/uploads/01ARZ3NDEKTSV4RRFFQ69G5FAV", null, null),
        "get",
        "/v1/uploads/{id}");
    conforms(send("GET", "/v1/uploads?limit=0", null, null), "get", "/v1/uploads");
  }

  @Test
  void anAnswerWithAnUndeclaredMemberDoesNotConform() throws Exception {
    JsonNode schema = resolve("#/components/schemas/Accepted");
    JsonNode extra =
        JSON.readTree("{\"id\":\"x\",\"status\":\"PENDING\",\"statusUrl\":\"/\",\"x\":1}");
    assertThat(violations(extra, schema, "$")).isNotEmpty();
  }

  private static HttpResponse<String> send(String method, String path, String type, String body)
      throws Exception {
    var request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
            .header("Authorization", "Bearer key")
            .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
    if (type != null) {
      request.header("Content-Type", type);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void conforms(HttpResponse<String> response, String method, String path)
      throws Exception {
    JsonNode declared =
        document
            .path("paths")
            .path(path)
            .path(method)
            .path("responses")
            .path(Integer.toString(response.statusCode()));
    assertThat(declared.isMissingNode())
        .as("%s %s declares %d (%s)", method, path, response.statusCode(), response.body())
        .isFalse();
    String type = response.headers().firstValue("Content-Type").orElse("").split(";")[0];
    JsonNode schema = declared.path("content").path(type).path("schema");
    assertThat(schema.isMissingNode())
        .as("%s %s %d as %s", method, path, response.statusCode(), type)
        .isFalse();
    assertThat(violations(JSON.readTree(response.body()), schema, "$"))
        .as("%s %s %d: %s", method, path, response.statusCode(), response.body())
        .isEmpty();
  }

  /** A small JSON Schema checker for the keywords the document uses. */
  private static List<String> violations(JsonNode value, JsonNode schema, String at) {
    var found = new ArrayList<String>();
    if (schema.has("$ref")) {
      return violations(value, resolve(schema.path("$ref").asText()), at);
    }
    if (schema.has("oneOf")) {
      int matching = 0;
      for (JsonNode option : schema.path("oneOf")) {
        if (violations(value, option, at).isEmpty()) {
          matching++;
        }
      }
      if (matching != 1) {
        found.add(at + " matches " + matching + " of oneOf");
      }
      return found;
    }
    if (schema.has("type") && !typeMatches(value, schema.path("type"))) {
      found.add(at + " is not " + schema.path("type"));
      return found;
    }
    if (schema.has("enum")) {
      boolean listed = false;
      for (JsonNode option : schema.path("enum")) {
        listed |= option.equals(value);
      }
      if (!listed) {
        found.add(at + " is not one of " + schema.path("enum"));
      }
    }
    if (value.isObject()) {
      for (JsonNode required : schema.path("required")) {
        if (!value.has(required.asText())) {
          found.add(at + " lacks " + required.asText());
        }
      }
      Iterator<Map.Entry<String, JsonNode>> members = value.fields();
      while (members.hasNext()) {
        var member = members.next();
        JsonNode property = schema.path("properties").path(member.getKey());
        if (!property.isMissingNode()) {
          found.addAll(violations(member.getValue(), property, at + "." + member.getKey()));
        } else if (schema.path("additionalProperties").isObject()) {
          found.addAll(
              violations(
                  member.getValue(),
                  schema.path("additionalProperties"),
                  at + "." + member.getKey()));
        } else if (schema.path("additionalProperties").isBoolean()
            && !schema.path("additionalProperties").asBoolean()) {
          found.add(at + " has undeclared member " + member.getKey());
        }
      }
    }
    if (value.isArray() && schema.has("items")) {
      for (int i = 0; i < value.size(); i++) {
        found.addAll(violations(value.get(i), schema.path("items"), at + "[" + i + "]"));
      }
    }
    return found;
  }

  private static boolean typeMatches(JsonNode value, JsonNode type) {
    if (type.isArray()) {
      for (JsonNode one : type) {
        if (typeMatches(value, one)) {
          return true;
        }
      }
      return false;
    }
    return switch (type.asText()) {
      case "object" -> value.isObject();
      case "array" -> value.isArray();
      case "string" -> value.isTextual();
      case "integer" -> value.isIntegralNumber();
      case "number" -> value.isNumber();
      case "boolean" -> value.isBoolean();
      case "null" -> value.isNull();
      default -> false;
    };
  }

  private static JsonNode resolve(String ref) {
    JsonNode node = document.at(ref.substring(1));
    return node.isMissingNode() ? null : node;
  }

  private static void collectRefs(JsonNode node, List<String> refs) {
    if (node.has("$ref")) {
      refs.add(node.path("$ref").asText());
    }
    node.elements().forEachRemaining(child -> collectRefs(child, refs));
  }
}
