package dev.uplink.infra.pipeline;

import static dev.uplink.infra.testing.UplinkHttp.acceptedId;
import static dev.uplink.infra.testing.UplinkHttp.problem;
import static dev.uplink.infra.testing.UplinkHttp.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.uplink.core.domain.TaskId;
import dev.uplink.infra.LocalPipeline;
import dev.uplink.infra.testing.LocalAwsExtension;
import dev.uplink.infra.testing.TestFiles;
import dev.uplink.infra.testing.UplinkHttp;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * API keys and task ownership over HTTP, on the running pipeline (directory target: ownership does
 * not depend on where files go, and this way it always runs).
 */
@DisplayName("Access control")
class AccessControlTest {

  private static final String ALICE = "key-alice";
  private static final String BOB = "key-bob";

  @RegisterExtension
  static final LocalAwsExtension aws = LocalAwsExtension.create(Duration.ofSeconds(1), 3);

  private static LocalPipeline pipeline;
  private static UplinkHttp http;

  @BeforeAll
  static void startPipeline() {
    pipeline =
        LocalPipeline.start(
            aws.config().withApiKeys(Map.of(ALICE, "alice", BOB, "bob")),
            aws.clients(),
            "127.0.0.1");
    http = new UplinkHttp(pipeline.baseUri());
  }

  @AfterAll
  static void stopPipeline() {
    if (http != null) {
      http.close();
    }
    if (pipeline != null) {
      pipeline.close();
    }
  }

  private static final String DESTINATION = query("container", "demo", "path", "/srv/a.bin");

  @Nested
  @DisplayName("without a valid API key")
  class Unauthenticated {

    @Test
    @DisplayName("an upload without an Authorization header is 401 problem+json")
    void uploadWithoutKeyIs401() {
      HttpResponse<String> response = http.uploadBytes(null, DESTINATION, new byte[] {1, 2, 3});

      JsonNode body = problem(response, 401, "unauthorized");
      assertThat(body.path("detail").asText()).as("detail").contains("Authorization: Bearer");
      assertThat(response.headers().firstValue("WWW-Authenticate"))
          .as("WWW-Authenticate")
          .contains("Bearer realm=\"uplink\"");
    }

    @Test
    @DisplayName("an upload with an unknown API key is 401 problem+json, invalid_token")
    void uploadWithWrongKeyIs401() {
      HttpResponse<String> response =
          http.uploadBytes("key-mallory", DESTINATION, new byte[] {1, 2, 3});

      problem(response, 401, "unauthorized");
      assertThat(response.headers().firstValue("WWW-Authenticate"))
          .as("WWW-Authenticate")
          .hasValueSatisfying(v -> assertThat(v).contains("error=\"invalid_token\""));
    }

    @Test
    @DisplayName("reading a task without a key, or with a wrong one, is 401 problem+json")
    void statusWithoutOrWithWrongKeyIs401() {
      String id = acceptedId(http.uploadBytes(ALICE, DESTINATION, new byte[] {1}));

      problem(http.task(null, id), 401, "unauthorized");
      problem(http.task("key-mallory", id), 401, "unauthorized");
    }
  }

  @Nested
  @DisplayName("another owner's task")
  class OtherOwnersTask {

    @Test
    @DisplayName("is 404 problem+json, indistinguishable from a task that does not exist")
    void otherOwnersTaskIs404AndRevealsNothing() {
      String path = "/srv/secret-" + TestFiles.randomSuffix() + ".bin";
      byte[] content = TestFiles.randomBytes(1024);
      String id =
          acceptedId(
              http.uploadBytes(ALICE, query("container", "alice-box", "path", path), content));
      JsonNode own = http.awaitFinished(ALICE, id, Duration.ofSeconds(30));
      assertThat(own.path("id").asText()).as("alice sees her own task").isEqualTo(id);

      HttpResponse<String> asBob = http.task(BOB, id);

      problem(asBob, 404, "not-found");
      assertThat(asBob.body())
          .as("bob's 404 body")
          .doesNotContain(id)
          .doesNotContain("alice")
          .doesNotContain(path)
          .doesNotContain(TestFiles.sha256(content))
          .doesNotContain(own.path("createdAt").asText())
          .doesNotContainIgnoringCase("status\":\"DONE");
      HttpResponse<String> unknown = http.task(BOB, TaskId.newId().value());
      assertThat(asBob.body())
          .as("bob's 404 for alice's task, compared with a 404 for an id that does not exist")
          .isEqualTo(unknown.body());
    }
  }
}
