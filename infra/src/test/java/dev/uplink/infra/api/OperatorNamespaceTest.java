package dev.uplink.infra.api;

import static dev.uplink.infra.api.ApiFixture.ALICE;
import static dev.uplink.infra.api.ApiFixture.OPERATOR_ALICE;
import static dev.uplink.infra.api.ApiFixture.expect;
import static dev.uplink.infra.api.ApiFixture.problem;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest.BodyPublishers;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Operators and owners are apart: an operator named {@code alice} is not the user {@code alice} and
 * sees none of her tasks on the owners' endpoints (it works on tasks through the operators'
 * endpoints only). Against the API on real sockets and the emulators.
 */
class OperatorNamespaceTest {

  @RegisterExtension static final ApiFixture api = ApiFixture.create();

  @Test
  void givenAnOperatorNamedLikeAUser_whenItUsesTheOwnersEndpoints_thenItSeesNoneOfHerTasks() {
    String id =
        expect(
                api.upload(
                    ALICE, "web-1", "/srv/hers.bin", BodyPublishers.ofString("hers"), Map.of()),
                202)
            .path("id")
            .asText();
    String task = "/v1/uploads/" + id;
    assertThat(expect(api.get(ALICE, task), 200).path("id").asText()).isEqualTo(id);

    problem(api.get(OPERATOR_ALICE, task), 404, "not-found");
    problem(api.get(OPERATOR_ALICE, task + "?wait=1"), 404, "not-found");
    assertThat(expect(api.get(OPERATOR_ALICE, "/v1/uploads"), 200).path("items"))
        .as("the operator's own tasks: none")
        .isEmpty();
    problem(api.get(OPERATOR_ALICE, task + "/parts"), 404, "not-found");
    problem(api.post(OPERATOR_ALICE, task + "/complete"), 404, "not-found");
    problem(api.delete(OPERATOR_ALICE, task), 404, "not-found");

    assertThat(expect(api.get(ALICE, task), 200).path("status").asText())
        .as("her task, untouched")
        .isEqualTo("PENDING");
  }
}
